"""German cue data for the local classifier: the core ticket words of each category.

Tickets often arrive in German. Same row formats and pattern syntax as ``cues_en``.
"""

from __future__ import annotations

from ...core.vocab import Category

B, T, A, G = Category.BILLING, Category.TECHNICAL, Category.ACCOUNT, Category.GENERAL

#: No typo variants are made from these words: they would collide with English words
#: ("sendung" / "sending").
TYPO_VARIANTS = False

# (pattern, {category: weight}, negatable)
TOPIC_CUES: list[tuple[str, dict[Category, float], bool]] = [
    (
        "fehler|fehlermeldung|absturz|abstürze|stürzt ab|abgestürzt|funktioniert nicht|"
        "funktionieren nicht|geht nicht|ausfall|ausgefallen|störung|störungen|serverausfall|"
        "systemausfall|verbindungsprobleme|verbindungsabbruch|keine verbindung|lädt nicht|"
        "friert ein|einfrieren|hängt sich auf|zeitüberschreitung|datenverlust|"
        "sicherheitslücke|technisches problem|technische probleme|technischen problemen|"
        "synchronisierung|synchronisation|installation|aktualisierung|langsam|leistung",
        {T: 3.5},
        False,
    ),
    (
        "verbindung|netzwerk|server|datenbank|software|schnittstelle|integration|drucker|"
        "gerät|anwendung|webseite|plattform|system|systeme|sicherheit",
        {T: 1.2},
        False,
    ),
    (
        "rechnung|rechnungen|zahlung|zahlungen|rückerstattung|erstattung|gutschrift|"
        "abbuchung|abgebucht|doppelt abgebucht|gebühr|gebühren|abonnement|abo|lastschrift|"
        "überweisung|kreditkarte|mahnung|rechnungsstellung|abrechnung|bezahlung|bezahlt|"
        "erstatten|preis|preise|kosten|tarif|vertrag|kündigung",
        {B: 3.5},
        False,
    ),
    (
        "passwort|kennwort|anmeldung|anmelden|einloggen|benutzerkonto|kundenkonto|"
        "registrierung|registrieren|zwei faktor|verifizierung|gesperrt|benutzername|"
        "konto löschen|konto schließen|konto gesperrt|zugangsdaten",
        {A: 4},
        False,
    ),
    ("konto|zugang|zugriff|profil", {A: 1.5}, False),
    (
        "bestellung|bestellungen|lieferung|versand|sendung|paket|lieferadresse|rücksendung|"
        "umtausch|newsletter|feedback|bewertung|beschwerde|vorschlag|produktinformationen",
        {G: 3},
        False,
    ),
    ("produkt|produkte|anfrage|frage|fragen|informationen|angebot|beratung", {G: 1.2}, False),
]

# (pattern, urgency points, anger, frustration, politeness, negatable)
SIGNAL_CUES: list[tuple[str, float, float, float, float, bool]] = [
    (
        "ausfall|ausgefallen|datenverlust|sicherheitsvorfall|alle benutzer|alle nutzer|"
        "alle mitarbeiter|kritisch",
        40,
        0,
        0,
        0,
        False,
    ),
    (
        "dringend|sofort|umgehend|so schnell wie möglich|schnellstmöglich|heute|frist",
        24,
        0,
        0,
        0,
        False,
    ),
    ("fehler|funktioniert nicht|geht nicht|problem|probleme|störung|gesperrt", 12, 0, 0, 0, False),
    ("frage|fragen|anfrage|informationen|vorschlag|wie kann ich", -15, 0, 0, 0.3, False),
    (
        "bitte|danke|vielen dank|mit freundlichen grüßen|freundliche grüße|sehr geehrte|"
        "sehr geehrter|sehr geehrtes|hallo|guten tag",
        0,
        0,
        0,
        0.6,
        False,
    ),
    ("unverschämt|inakzeptabel|frechheit|katastrophe|scheiße|verdammt", 0, 2.0, 0.5, 0, False),
    (
        "schon wieder|immer noch|erneut|zum dritten mal|seit tagen|seit wochen|ärgerlich",
        4,
        0,
        1.0,
        0,
        False,
    ),
]
