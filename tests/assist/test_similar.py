"""Similar tickets and duplicate flags, on whichever engine the suite runs."""

from __future__ import annotations

import pytest

#: A labelled sample: each probe's true duplicate (differently worded) and distractors that
#: share some of its words.
SAMPLE = [
    {
        "probe": (
            "Charged twice for my subscription",
            "My card was charged twice this month "
            "for the same subscription invoice. Please refund the duplicate charge.",
        ),
        "duplicate": (
            "Double charge on subscription",
            "I see two charges for my subscription on my card statement, one should be refunded.",
        ),
        "distractors": [
            ("Change subscription plan", "How do I move my subscription to the yearly plan?"),
            ("Card expired", "My card expired, how do I update the card on file?"),
        ],
    },
    {
        "probe": (
            "App crashes when uploading photos",
            "The mobile app crashes every time I "
            "try uploading a photo from the gallery on Android.",
        ),
        "duplicate": (
            "Crash on photo upload",
            "Uploading photos from my Android gallery makes the app crash immediately.",
        ),
        "distractors": [
            ("Photo quality", "Uploaded photos look blurry in the web app."),
            ("Android login", "I cannot log in to the Android app after the update."),
        ],
    },
    {
        "probe": (
            "Password reset email never arrives",
            "I requested a password reset three "
            "times but the reset email never arrives in my inbox or spam folder.",
        ),
        "duplicate": (
            "No reset email",
            "The password reset email does not arrive, I checked spam too.",
        ),
        "distractors": [
            ("Change email address", "How do I change the email address on my account?"),
            ("Password rules", "Why does my new password need a symbol?"),
        ],
    },
]


def create(client, subject, body, **extra):
    response = client.post("/api/tickets", json={"subject": subject, "body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def similar(client, ticket_id, **params):
    response = client.get(f"/api/tickets/{ticket_id}/similar", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def load_sample(client) -> list[tuple[int, int]]:
    """The labelled sample as tickets: (probe id, its duplicate's id) per case."""
    probes = []
    for case in SAMPLE:
        dup = create(client, *case["duplicate"])
        for distractor in case["distractors"]:
            create(client, *distractor)
        probes.append((create(client, *case["probe"]), dup))
    return probes


def test_the_labelled_duplicate_ranks_first_for_every_probe(client):
    for probe, dup in load_sample(client):
        items = similar(client, probe, k=5)
        assert items[0]["ticket"]["id"] == dup, items
        assert probe not in [i["ticket"]["id"] for i in items]
        scores = [i["score"] for i in items]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 1 for s in scores)


def test_the_why_names_shared_words_and_resolved_ones_carry_their_reply(client):
    old = create(client, "Refund for a double charge", "You charged my card twice, refund it.")
    client.post(f"/api/tickets/{old}/replies", json={"body": "Refunded the duplicate charge."})
    client.post(
        f"/api/tickets/{old}/replies", json={"body": "internal: checked Stripe", "internal": True}
    )
    client.patch(f"/api/tickets/{old}", json={"status": "resolved"})
    other = create(client, "Charged twice", "My card was charged twice, I want a refund.")
    new = create(client, "Double charge on my card", "I was charged twice. Refund please.")

    items = similar(client, new, scope="resolved")
    assert [i["ticket"]["id"] for i in items] == [old]
    assert "charge" in " ".join(items[0]["why"]["shared_terms"])
    assert items[0]["resolution"]["body"] == "Refunded the duplicate charge."

    open_items = similar(client, new, scope="open")
    assert [i["ticket"]["id"] for i in open_items] == [other]
    assert open_items[0]["resolution"] is None


def test_a_ticket_with_nothing_in_common_has_no_look_alikes(client):
    create(client, "Invoice address", "Please change the billing address on invoices.")
    lonely = create(client, "Zebra", "Quixotic xylophones.")
    assert similar(client, lonely) == []


@pytest.mark.parametrize("params", [{"k": 0}, {"k": 21}, {"scope": "maybe"}])
def test_bad_parameters_are_a_422(client, params):
    ticket = create(client, "Hello there", "Something")
    response = client.get(f"/api/tickets/{ticket}/similar", query_string=params)
    assert response.status_code == 422


def test_similar_of_a_missing_ticket_is_a_404(client):
    assert client.get("/api/tickets/999999/similar").status_code == 404


def test_a_near_identical_ticket_from_the_same_requester_is_flagged_not_merged(client, anon_client):
    first = create(
        client,
        "Charged twice",
        "My card was charged twice for order 1234, please refund.",
        requester_email="ana@example.com",
    )
    response = anon_client.post(
        "/api/intake",
        json={
            "subject": "Charged twice!",
            "body": "My card was charged twice for order 1234. Please refund",
            "email": "Ana@Example.com",
        },
    )
    assert response.status_code == 201, response.get_json()
    second = response.get_json()["reference"]
    other_person = create(
        client,
        "Charged twice",
        "My card was charged twice for order 1234, please refund.",
        requester_email="bo@example.com",
    )
    different = create(
        client, "Dark mode", "Please add a dark mode.", requester_email="ana@example.com"
    )

    ids = ",".join(str(i) for i in (first, second, other_person, different))
    flags = client.get("/api/duplicates", query_string={"ticket": ids}).get_json()["items"]
    assert [(f["ticket_id"], f["duplicate_of"]["id"]) for f in flags] == [(second, first)]
    assert flags[0]["score"] >= 0.8
    assert client.get(f"/api/tickets/{second}").get_json()["status"] == "open"

    assert client.delete(f"/api/tickets/{second}/duplicate").status_code == 204
    assert client.get("/api/duplicates", query_string={"ticket": ids}).get_json()["items"] == []
    assert client.delete(f"/api/tickets/{second}/duplicate").status_code == 404


def test_a_resolved_ticket_is_not_a_duplicate_target(client):
    first = create(client, "Charged twice", "Charged twice, refund.", requester_email="c@x.io")
    client.patch(f"/api/tickets/{first}", json={"status": "resolved"})
    second = create(client, "Charged twice", "Charged twice, refund.", requester_email="c@x.io")
    flags = client.get("/api/duplicates", query_string={"ticket": f"{first},{second}"})
    assert flags.get_json()["items"] == []


@pytest.mark.parametrize(
    "ids", ["", "a", "1,b", "-1", ",".join(str(i) for i in range(1, 102)), "99999999999"]
)
def test_duplicate_lookup_wants_ids(client, ids):
    assert client.get("/api/duplicates", query_string={"ticket": ids}).status_code == 422
