"""English cue data for the local classifier: phrases, their weights, and word lists.

Data only — the engine that reads it is in the sibling modules (``tables`` builds the lookup
tables from these rows on first use). Tune a phrase here; change the algorithm there.

Pattern syntax (``syntax.expand``): ``"a|b c|d"`` is a choice of phrases; slots joined by
``" / "`` form a sequence (``"cancel|close / my|the? / account"``), a slot ending in ``?`` being
optional; a word ending in ``+`` also matches its inflections (``refund+`` -> refunds,
refunded, refunding). Categories are ``core.vocab.Category`` members.
"""

from __future__ import annotations

from ...core.vocab import Category

B, T, A, G = Category.BILLING, Category.TECHNICAL, Category.ACCOUNT, Category.GENERAL

#: Typos of these cue words (5+ letters) are mapped back to the word ("pasword", "refnud").
TYPO_VARIANTS = True

# (pattern, {category: weight}, negatable)
TOPIC_CUES: list[tuple[str, dict[Category, float], bool]] = [
    # ---- technical: failures, outages, performance, connectivity, install/update ----
    ("outage+|downtime", {T: 5}, True),
    ("is|are|was|went|goes|been|keeps|being / down", {T: 3.5}, True),
    ("down for / everyone|everybody|all|hours|days", {T: 4}, False),
    ("crash+|crashes|crashing|crashed", {T: 6}, True),
    (
        "keeps / crashing|closing|freezing|restarting|rebooting|disconnecting|dropping",
        {T: 4.5},
        False,
    ),
    ("freeze+|freezes|freezing|frozen|froze|hang+|hangs|unresponsive", {T: 3}, True),
    ("timeout+|timeouts|timed out|time out|times out", {T: 3.5}, True),
    ("bug+|buggy|glitch+|glitches|glitchy", {T: 3.5}, True),
    (
        "not / working|functioning|loading|responding|syncing|opening|starting|connecting",
        {T: 3.5},
        False,
    ),
    (
        "doesnt|dont|isnt|wont|cant|cannot|didnt|arent|wasnt|stopped / "
        "work|working|load|loading|start|starting|launch|boot|connect|sync|syncing|"
        "respond|responding|print|printing|function|run|install|installing",
        {T: 3.5},
        False,
    ),
    (
        "doesnt|dont|isnt|wont|cant|cannot|didnt / open|opening|update|upgrade|save|upload",
        {T: 2.8},
        False,
    ),
    ("stopped / working|responding|syncing|loading", {T: 4}, False),
    ("no longer / works|working|loads|opens", {T: 3.5}, False),
    ("has not|have not|hasnt|havent|not / worked|been working", {T: 3.5}, False),
    ("cant|cannot|unable to|couldnt|not able to / access|reach|find|see|open the", {T: 2}, False),
    (
        "fails to|failed to|failing to|unable to|fail to / "
        "load|start|connect|sync|install|update|launch|open|boot|"
        "save|upload|download|render|print|deploy|build|compile|run",
        {T: 3.5},
        False,
    ),
    ("error+|errors", {T: 2}, True),
    ("error / code|message|messages|page|screen|popup|pop up", {T: 2.5}, True),
    ("404|500|502|503|504|401|403|429", {T: 2.5}, False),
    (
        "returns|returned|returning|shows|showing|gives|giving / "
        "no|nothing|zero|empty|wrong|blank / "
        "results|result|data|page|values|value|output",
        {T: 4},
        False,
    ),
    (
        "no results|wrong results|empty results|nothing happens|does nothing|nothing loads",
        {T: 3},
        False,
    ),
    ("internal server error|bad gateway|service unavailable|gateway timeout", {T: 4}, False),
    (
        "exception+|stack trace|stacktrace|traceback|segfault|segmentation fault|null pointer|"
        "nullpointerexception|core dump|memory leak",
        {T: 4},
        True,
    ),
    (
        "blue screen|black screen|white screen|blank screen|blank page|bsod|spinning wheel|"
        "spinner|loading forever|stuck loading|stuck on loading",
        {T: 4},
        False,
    ),
    ("fail+|failure|failures", {T: 1.5}, True),
    (
        "bounce back|bounces back|bouncing back|undeliverable|mailer daemon|mail delivery failed|"
        "email bounced|emails bounce|emails bounced|emails bouncing|email bounces",
        {T: 4},
        False,
    ),
    (
        "is|are|keeps|seems to be|seem to be|started / failing|broken|erroring|misbehaving",
        {T: 3},
        False,
    ),
    (
        "emails|notifications|messages|alerts / not being sent|not sent|arent sent|not delivered|"
        "arent delivered|not going out|not arriving",
        {T: 4},
        False,
    ),
    ("broken|broke", {T: 2}, True),
    (
        "slow+|slowly|slower|sluggish|laggy|lag+|lagging|latency|takes forever|performance|"
        "very slow|extremely slow|high cpu|cpu|ram|memory usage",
        {T: 2.5},
        True,
    ),
    (
        "connect+|connection+|connectivity|disconnect+|disconnects|disconnected|reconnect+",
        {T: 2.5},
        True,
    ),
    (
        "no|lost|losing|intermittent|dropped|weak|poor|slow / internet|signal|service|network|"
        "connection|dial tone|reception|coverage|wifi|mobile data|connectivity",
        {T: 3.5},
        False,
    ),
    ("calls|call / drop|dropping|dropped|drops|keep dropping", {T: 3.5}, False),
    ("dropped calls|packet loss|ping|jitter|buffering", {T: 3.5}, False),
    (
        "internet|wifi|wi fi|router|modem|broadband|fiber|fibre|ethernet|lan|bluetooth|5g|4g|lte|"
        "vpn|dns|ssl|tls|certificate|firewall|proxy|ip|port|bandwidth|hotspot",
        {T: 2},
        False,
    ),
    (
        "server+|servers|database|db|api|endpoint+|webhook+|sdk|integration+|plugin+|extension|"
        "cluster|deploy+|deployment|pipeline|ci|build|cache|cdn|dashboard|cron|query|queries|"
        "backend|frontend|repository|repo|git|docker|kubernetes|aws|azure|csv import|import|export",
        {T: 1.5},
        False,
    ),
    (
        "install+|installer|installation|reinstall+|uninstall+|setup wizard|driver+|drivers|"
        "firmware|patch|patches|version|release",
        {T: 2},
        False,
    ),
    ("update+|updates|upgrade|upgraded", {T: 1}, False),
    (
        "after / the|this|my|an|last? / last|latest|recent|new|recent? / "
        "update|updates|upgrade|patch|release|version|updating|upgrading",
        {T: 3},
        False,
    ),
    (
        "app|apps|application|software|program|website|site|web page|webpage|browser|chrome|"
        "firefox|safari|edge|ios|android|iphone|ipad|windows|macos|linux|laptop|computer|pc|"
        "desktop|device|phone app|mobile app|tablet|printer|scanner|monitor|keyboard|mouse|"
        "headset|microphone|camera|console|controller|game|launcher|screen|display",
        {T: 0.8},
        False,
    ),
    (
        "outlook|teams|excel|word document|sharepoint|onedrive|office 365|zoom|slack|"
        "shared drive|network drive|mailbox",
        {T: 1.5},
        False,
    ),
    (
        "reboot+|restart+|restarted|reset the router|reset the modem|factory reset|"
        "clear cache|cleared cache|clearing cache|cleared the cache|cleared cookies",
        {T: 2},
        False,
    ),
    (
        "sync|syncing|synchronization|upload+|uploads|uploading|download+|downloading",
        {T: 1.2},
        False,
    ),
    ("data loss|lost data|corrupt+|corrupted|corruption|missing data|data missing", {T: 3}, True),
    (
        "load|loads|loading|render+|rendering|display+|displaying|shows|showing blank|"
        "page wont load|doesnt load",
        {T: 0.8},
        False,
    ),
    (
        "latency|throughput|packet|packets|rate limit|rate limited|throttled|throttling",
        {T: 2},
        False,
    ),
    (
        "matchmaking|disconnected from server|server lag|fps|frame rate|frame drops|stutter+|"
        "stuttering|desync",
        {T: 3.5},
        False,
    ),
    (
        "charging port|not charging|wont charge|battery|overheating|overheat+|screen flicker+|"
        "flickering|touchscreen",
        {T: 3},
        False,
    ),
    (
        "technical|tech / issue|problem|problems|issues|difficulties|difficulty|support",
        {T: 3},
        False,
    ),
    (
        "troubleshoot+|troubleshooting|workaround|logs|log file|error log|console log",
        {T: 2.5},
        False,
    ),
    (
        "security vulnerability|vulnerability|malware|virus|ransomware|phishing|data breach|"
        "security breach|breach|security incident|unusual access|intrusion|ddos|spam attack|"
        "brute force|vulnerable|patch the|encryption|antivirus|security",
        {T: 3},
        False,
    ),
    # ---- billing: money, invoices, charges, subscriptions, plans ----
    (
        "refund+|refunds|refunded|refunding|reimburse+|reimbursement+|reimbursements|"
        "money back|rebate+|rebates|chargeback+|chargebacks",
        {B: 4},
        False,
    ),
    ("compensation|compensations", {B: 2.5}, False),
    (
        "charge+|charges|charged|charging|overcharge+|overcharged|overcharging|surcharge+",
        {B: 3},
        False,
    ),
    (
        "invoice+|invoices|invoiced|invoicing|bill|bills|billed|billing|receipt+|receipts|"
        "statement|statements|credit note",
        {B: 3.5},
        False,
    ),
    (
        "fee|fees|penalty|penalties|late fee|cancellation fee|termination fee|early termination|"
        "early exit|exit fee|cancellation charge|cancellation charges|termination charges|"
        "termination charge|termination penalty|cancellation penalty",
        {B: 3.5},
        False,
    ),
    # Money words alone say little: "how do I transfer money?" is a question, not billing,
    # and a card or payment that does not work is a technical problem. They lean billing
    # only a little; charges, fees, refunds and invoices decide.
    ("payment+|payments|pay|paying|paid|pays|repayment|prepaid|postpaid", {B: 1.5}, False),
    ("payment / method|methods|options|option|details|plan", {B: 4}, False),
    (
        "payment|payments|card payment|card payments|transfer|transfers|top up|topup|"
        "transaction|transactions|withdrawal|card|cards|contactless / "
        "keep|keeps|is|are|was|were|got|get|getting|being|has|have? / "
        "failed|fails|failing|declined|rejected|reverted|getting declined|getting rejected|"
        "being declined|being rejected|didnt go through|did not go through|not going through|"
        "wont go through|not working|doesnt work|dont work|isnt working|arent working|"
        "stopped working|wont work|not accepted|been declined|been rejected",
        {T: 4},
        False,
    ),
    (
        "cant|cannot|unable to|not able to|couldnt / make|complete|send|use / a|my? / "
        "payment|payments|transfer|purchase|card",
        {T: 3.5},
        False,
    ),
    ("card declined|card was declined|card is declined|card rejected", {T: 3.5}, False),
    (
        "wont|doesnt|didnt|wouldnt|does not|did not|will not|not / accept|take|read / my? / "
        "card|cards|payment|payments",
        {T: 3.5},
        False,
    ),
    (
        "credit card|debit card|card details|card number|paypal|stripe|apple pay|google pay|"
        "bank transfer|wire transfer|standing order",
        {B: 0.8},
        False,
    ),
    ("direct debit|sepa|iban", {B: 2}, False),
    ("declined|rejected", {T: 1.5}, False),
    (
        "transaction+|transactions|deposit+|deposits|withdrawal+|withdrawals|withdraw|"
        "transfer+|transfers|balance",
        {B: 0.5},
        False,
    ),
    ("overdraft|overdrawn|interest|loan|mortgage|installment+|instalment+|emi", {B: 2}, False),
    (
        "subscription+|subscriptions|subscribed|renew+|renewal|renewals|renewed|auto renew|"
        "auto renewal|autorenew|membership|membership fee",
        {B: 3},
        False,
    ),
    (
        "plan|plans|tier|pricing|price+|prices|priced|cost+|costs|quote|quotation|rate|rates|"
        "tariff|discount+|discounts|coupon+|coupons|promo code|voucher+|vouchers|promotion|"
        "upgrade my plan|downgrade+|downgraded|trial|free trial",
        {B: 2},
        False,
    ),
    ("tax|taxes|vat|gst|sales tax|tax id|tax number|vat number", {B: 3}, False),
    (
        "money|dollars|dollar|euros|euro|pounds|usd|eur|gbp|cad|aud|inr|$|€|£|cents|amount|"
        "amounts|sum|price difference",
        {B: 0.8},
        False,
    ),
    (
        "double charged|charged twice|billed twice|duplicate charge|duplicate payment|"
        "charged two times|charged again|extra charge|unexpected charge|unknown charge|"
        "wrong amount|incorrect amount|wrongly charged|still being charged|still charged|"
        "unauthorized charge|unauthorised charge|fraudulent charge",
        {B: 6},
        False,
    ),
    (
        "cancel|cancelling|canceling|cancellation|end|stop|terminate / of? / my|the|our|this? / "
        "subscription|subscriptions|plan|membership|contract|renewal|trial",
        {B: 4.5},
        False,
    ),
    (
        "billing cycle|billing period|billing address|billing issue|billing question|"
        "payment issue|payment problem|payment error|payment errors",
        {B: 5},
        False,
    ),
    (
        "error|errors|problem|problems|issue|issues / with|in|on / my? / payment|payments|"
        "online payment|online payments",
        {B: 4},
        False,
    ),
    (
        "money left my account|money has left my account|left my account|money was taken|"
        "was debited|been debited|still charged|charged anyway|charged but",
        {B: 4},
        False,
    ),
    ("purchase+|purchases|purchased|buy|bought|order total", {B: 0.5}, False),
    (
        "fraud|fraudulent|dispute+|disputes|disputed|unauthorized transaction+|"
        "unauthorised transaction+",
        {B: 3},
        False,
    ),
    (
        "wallet|credits|credit|top up|topup|top-up|recharge",
        {B: 0.5},
        False,
    ),
    (
        "data plan|roaming charges",
        {B: 1.8},
        False,
    ),
    ("paid for|already paid|havent been paid|was paid|been paid", {B: 4}, False),
    (
        "took|taken|taking|take|deducted|debited|withdrawn|withdrew|removed|stole|charged / "
        "money|the money|my money|funds|pounds|dollars|euros|\u20ac|$|\u00a3 / "
        "from? / my|our|the? / "
        "account|card|bank account|balance|wallet",
        {B: 5},
        False,
    ),
    (
        "without my permission|without permission|without my consent|without authorization|"
        "without authorisation|i did not make|i didnt make|didnt authorize|didnt authorise",
        {B: 1, A: 2},
        False,
    ),
    ("pounds|dollars|euros|bucks|usd|eur|gbp", {B: 0.8}, False),
    # ---- account: access, identity, credentials, profile, lifecycle ----
    (
        "lost|stolen|block|freeze|lock|cancel|compromised / my? / card|phone|cards",
        {A: 4},
        False,
    ),
    (
        "was|been|got|is / lost|stolen|compromised",
        {A: 2.5},
        False,
    ),
    (
        "someone|somebody|someone else|a stranger / has? / used|accessed|took|got into|"
        "logged into|is using|has used|withdrew|withdrawn|spent|made|paid with",
        {A: 4},
        False,
    ),
    (
        "log in|login|logins|logging in|log on|logon|sign in|signin|signing in|log into|"
        "logged out|log out|logout|sign out",
        {A: 4},
        False,
    ),
    (
        "cant|cannot|unable to|couldnt|not able to|wont let me|can not / "
        "log in|login|sign in|log on|logon|signin|log into|access my account|get into my account",
        {A: 5},
        False,
    ),
    (
        "password+|passwords|passcode+|passphrase|pwd|pin|pins|pin code|access key|credentials|"
        "security question+|security questions",
        {A: 4},
        False,
    ),
    (
        "reset|forgot|forgotten|recover|retrieve|lost|change|changing|resetting|recovering|"
        "recovery|update|restore|restoring|retrieving|recovering / of? / my|the|our|a? / "
        "password|passwords|pin|account|passcode|access key|key|pass|user key|login details",
        {A: 5},
        False,
    ),
    (
        "2fa|mfa|two factor|two step|2 step|2 factor|multi factor|authenticator|"
        "authentication|verification code|security code|one time code|one time password|otp|"
        "sms code|login code|magic link|reset link|password reset",
        {A: 4.5},
        False,
    ),
    (
        "locked out|locked|lockout|suspended|deactivated|disabled|banned|blocked account|"
        "account blocked|account locked|account suspended|account disabled|account banned",
        {A: 3.5},
        False,
    ),
    (
        "verify|verifying|verified|verification|identity|id verification|kyc|id check|"
        "proof of identity|selfie|passport|drivers license|identity document|id document",
        {A: 3},
        False,
    ),
    (
        "verify|confirm|verifying|confirming / my? / "
        "identity|account|email|e mail|phone|phone number|id",
        {A: 5},
        False,
    ),
    (
        "sign up|signup|signing up|register+|registering|registration|registrations|"
        "new account|activate my account|activation|activation email|"
        "confirmation email|invite|invitation",
        {A: 4},
        False,
    ),
    (
        "create|creating|open|opening|make|set up|setting up|add|adding / a|an|my? / new? / "
        "free|freemium|standard|pro|premium|gold|platinum|business|personal|basic|family|"
        "savings|checking|joint|admin|second? / account|accounts|profile|user|users|login",
        {A: 5},
        False,
    ),
    ("key|pass|password|pin / reset|recovery|retrieval|restore", {A: 5}, False),
    ("user|users", {A: 1}, False),
    (
        "please? / add|invite|adding|inviting|remove|removing / a|my|our|new|the? / "
        "colleague|colleagues|user|users|member|members|team member|teammate|employee|seat|"
        "seats|admin",
        {A: 5},
        False,
    ),
    (
        "profile+|profiles|username+|usernames|user name|user id|userid|handle|display name|"
        "avatar|personal details|personal information|personal data|account details|"
        "account information|account settings|my details|contact details",
        {A: 3},
        False,
    ),
    (
        "change|update|edit|modify|correct|changing|updating|editing|modifying|correcting / "
        "my|the|our? / "
        "email|e mail|email address|e mail address|phone number|mobile number|name|surname|user|"
        "last name|date of birth|details|information|data|profile|username",
        {A: 5},
        False,
    ),
    (
        "close|delete|deactivate|cancel|remove|terminate|closing|deleting|deactivating|"
        "cancelling|canceling|removing|terminating|deletion|closure|cancellation|removal|"
        "termination / of? / my|the|this|a|an? / account|profile|user|users|accounts",
        {A: 5.5},
        False,
    ),
    (
        "close|delete|deactivate|cancel|remove|terminate|closing|deleting|deactivating|"
        "cancelling|canceling|removing|terminating|deletion|closure|cancellation|removal|"
        "termination / of? / my|the|a|this? / free|freemium|standard|pro|premium|gold|platinum|"
        "business|personal|basic|old|second|family|user / account|profile|accounts",
        {A: 5.5},
        False,
    ),
    ("account|accounts|acount", {A: 1.2}, False),
    (
        "free|freemium|standard|pro|premium|gold|platinum|business|basic|personal|family|"
        "user|admin|joint|savings|checking|current / account|profile",
        {A: 2.5},
        False,
    ),
    (
        "switch|switching|change|changing|use|using|move|moving|upgrade|upgrading / to? / "
        "the|my|a? / free|freemium|standard|pro|premium|gold|platinum|basic|other|another|"
        "second|different / account|profile|user",
        {A: 5},
        False,
    ),
    (
        "hacked|compromised|someone accessed|unauthorized access|unauthorised access|"
        "unauthorized login|suspicious login|suspicious activity|account takeover|"
        "stolen account",
        {A: 4},
        False,
    ),
    (
        "owner|ownership|account owner|transfer ownership|change owner|admin|administrator",
        {A: 3},
        False,
    ),
    (
        "permission+|permissions|access rights|admin rights|admin access|user role|user roles|"
        "access request|grant access|give access|need access|request access|access to|sso|saml|"
        "active directory|ldap|okta",
        {A: 2.5},
        False,
    ),
    ("access|accessing|get into|get in", {A: 1.5}, False),
    ("email|e mail|mail|phone number", {A: 0.6}, False),
    (
        "gdpr|delete my data|data deletion|right to be forgotten|data request|my data|"
        "privacy settings",
        {A: 3},
        False,
    ),
    (
        "merge accounts|merge my accounts|two accounts|multiple accounts|duplicate account|"
        "another account|other account|switch account|switch accounts|account type",
        {A: 4},
        False,
    ),
    # ---- general: orders, delivery, shipping, contact, feedback, questions ----
    (
        "order+|orders|ordered|ordering|my order|the order|order number|order status|order id",
        {G: 3},
        False,
    ),
    (
        "purchase+|purchases|purchased|buy|buying|bought|item|items|product+|products|article|"
        "articles|goods|merchandise",
        {G: 1.8},
        False,
    ),
    (
        "cancel|cancelling|canceling|cancellation / of? / my|the|this|an|a? / "
        "order|orders|purchase|purchases|booking|reservation|item",
        {G: 5},
        False,
    ),
    (
        "add|remove|change|modify|edit|update|adding|removing|changing|modifying / the|some|"
        "a|my|an? / item|items|product|products|order|article|articles",
        {G: 5},
        False,
    ),
    (
        "deliver+|delivery|deliveries|delivered|shipping|shipment+|shipments|ship|shipped|ships|"
        "dispatch+|dispatched|courier|carrier|postage|post office|parcel+|parcels|package+|"
        "packages|tracking|track|tracking number|ups|fedex|dhl|usps|royal mail",
        {G: 3.5},
        False,
    ),
    (
        "shipping address|delivery address|postal address|mailing address|home address|"
        "address|addresses|destination|pickup|pick up|collection point|click and collect",
        {G: 3},
        False,
    ),
    (
        "where is|wheres|where are / my|the / order|package|parcel|item|items|delivery|stuff",
        {G: 4},
        False,
    ),
    (
        "eta|arrive|arrives|arrived|arrival|arriving|expect the|when will my|how long",
        {G: 2.5},
        False,
    ),
    (
        "delayed|late|lost in transit|not arrived|hasnt arrived|never arrived|didnt arrive|"
        "not received|never received|havent received|damaged|broken on arrival|wrong item|"
        "wrong size|missing item|missing items|missing from my order",
        {G: 2.5},
        False,
    ),
    (
        "return+|returns|returned|returning|exchange+|exchanged|return label|return policy|"
        "warranty|guarantee|size|sizes|colour|color|stock|out of stock|in stock|back in stock|"
        "restock",
        {G: 2},
        False,
    ),
    (
        "newsletter+|newsletters|mailing list|marketing email+|marketing emails|promotional email+|"
        "promotional emails|promo emails|emails from you|unsubscribe+|unsubscribing|"
        "subscribe to your newsletter|email preferences",
        {G: 6},
        False,
    ),
    (
        "sign up|signup|signing up|subscribe|subscribing|register|registering|join / "
        "to|for|on? / the|your|ur|our|my|a? / newsletter|newsletters|mailing list|emails",
        {G: 7},
        False,
    ),
    ("free of charge|at no charge|no charge|in charge", {G: 0.5}, False),
    (
        "feedback|review+|reviews|rating|ratings|comment|comments|opinion|testimonial|survey",
        {G: 3.5},
        False,
    ),
    (
        "complain+|complaint+|complaints|reclamation+|reclamations|grievance|claim|claims",
        {G: 3},
        False,
    ),
    (
        "feature request+|feature requests|suggestion+|suggestions|suggest|idea|ideas|"
        "would be nice|would be great|would be helpful|it would be|please add|could you add|"
        "can you add|wish|roadmap|enhancement|dark mode|feature",
        {G: 3.5},
        False,
    ),
    (
        "contact+|contacting|speak to|speak with|talk to|talk with|talking to|speaking to|"
        "get in touch|reach|reach you|call you|call back|callback|agent|human|person|"
        "representative|operator|someone|helpline|hotline|opening hours|business hours|"
        "office hours|live chat|chat with|phone number to call|support email|"
        "customer service email",
        {G: 2.5},
        False,
    ),
    # "Dear Customer Support Team" opens every kind of ticket: the bare name says little.
    ("customer service|customer support|customer care|support team|support", {G: 0.5}, False),
    (
        "question|questions|wondering|curious|information about|info about|how do i|how can i|"
        "is it possible|can i|do you|do you have|do you offer|do you ship|general inquiry|inquiry|"
        "enquiry|partnership|collaboration|press|career|careers|job|jobs|store|stores|shop|"
        "cv|resume|vacancy|apply for|application for|training|onboarding|webinar|demo|"
        "location|locations|opening|catalogue|catalog|brochure|gift card|gift wrap",
        {G: 1.2},
        False,
    ),
    ("booking|reservation|appointment|ticket for|event|tickets for", {G: 2}, False),
    # A plain question about how something works is general, whatever money word it names.
    (
        "how do i|how can i|can i|could i|how long|how long does|how long will|when will|"
        "how much time|how often|how many|"
        "which countries|what currencies|which currencies|do you support|do you accept|"
        "is there a limit|what is the limit|maximum|minimum|limit|limits|"
        "how does|how do you|where can|can i use|am i able to|is it safe",
        {G: 2},
        False,
    ),
]

# (pattern, urgency points, anger, frustration, politeness, negatable)
SIGNAL_CUES: list[tuple[str, float, float, float, float, bool]] = [
    # ---- severity and impact ----
    ("outage+|outages|downtime|major incident|sev1|sev 1|p1|p0", 42, 0, 0, 0, True),
    ("incident|incidents", 16, 0, 0, 0, True),
    (
        "production|prod|live site|live|website|site|server|servers|system|systems|service|"
        "platform|everything|app|api|checkout|network|portal|store / "
        "is|are|went|goes|completely|is completely|is still|are still? / "
        "down|offline|unavailable|unreachable",
        45,
        0,
        0,
        0,
        True,
    ),
    ("down", 25, 0, 0, 0, True),
    ("production|prod|live environment", 28, 0, 0, 0, True),
    (
        "everyone|everybody|all users|all our users|all customers|all our customers|"
        "all employees|all staff|all of our|whole team|whole company|whole office|"
        "entire team|entire company|entire office|entire organization|company wide|company-wide|"
        "nobody can|no one can|none of our users|none of our customers|none of our employees|"
        "none of our staff|none of us can|all of us|every user|every customer|"
        "thousands of|hundreds of|all accounts",
        40,
        0,
        0,
        0,
        True,
    ),
    (
        "many|multiple|several|lots of|most|most of our / "
        "users|customers|clients|people|employees|staff|stores|colleagues",
        22,
        0,
        0,
        0,
        False,
    ),
    (
        "data loss|lost all|lost our|lost my data|lost all my|data deleted|data wiped|"
        "data was deleted|deleted all|wiped|corrupted|corruption|missing data|files disappeared|"
        "data is gone|data gone|files are gone|work is gone",
        42,
        0,
        0,
        0,
        True,
    ),
    (
        "security breach|data breach|breach|breached|hacked|hacker+|compromised|"
        "unauthorized|unauthorised|fraud|fraudulent|scammed|stolen|identity theft|phishing|"
        "ransomware|malware|suspicious activity|suspicious login|someone else|account takeover|"
        "leaked|exposed",
        45,
        0,
        0,
        0,
        True,
    ),
    (
        "legal action|lawyer|lawyers|attorney|lawsuit|sue|suing|court|regulator|ombudsman|"
        "chargeback|report you|trading standards|consumer protection|bbb",
        28,
        0.5,
        0,
        0,
        False,
    ),
    # Formal e-mails call many things "critical": only an explicit outage, breach, data loss
    # or everyone affected (the rows at 40 and above) can make a ticket critical.
    ("emergency|critical|severe|severity|catastrophic|disaster|p1 incident", 24, 0, 0, 0, True),
    (
        "cant|cannot|unable to|not able to / process|take|accept|receive / "
        "payments|orders|transactions|sales|calls|money",
        36,
        0,
        0,
        0,
        False,
    ),
    (
        "losing money|losing revenue|losing sales|losing customers|lost revenue|lost sales|"
        "costing us|costing me|business is|we are losing|revenue",
        38,
        0,
        0,
        0,
        False,
    ),
    (
        "urgent|urgently|urgency|asap|as soon as possible|immediately|immediate|right away|"
        "right now|time sensitive|time-sensitive|high priority|top priority",
        26,
        0,
        0,
        0,
        True,
    ),
    (
        "today|tonight|this morning|this afternoon|within the hour|in an hour|by tomorrow|"
        "tomorrow|by monday|by friday|end of day|eod|end of the day|by the end",
        14,
        0,
        0,
        0,
        False,
    ),
    (
        "deadline|deadlines|due today|due tomorrow|overdue|in time for|before the|expires today|"
        "expiring",
        20,
        0,
        0,
        0,
        True,
    ),
    (
        "blocked|blocking|blocker|cant work|cannot work|unable to work|cant do my job|"
        "cannot do my job|cant do anything|cannot do anything|completely stuck|stuck|"
        "stopping us|stopping me|prevents me|prevents us|preventing|halted|grinding to a halt|"
        "cant access anything|locked out",
        22,
        0,
        0,
        0,
        True,
    ),
    (
        "double charged|charged twice|billed twice|duplicate charge|charged two times|"
        "money missing|missing money|money is gone|money gone|lost money|funds missing|"
        "missing funds|missing payment|payment missing|overdrawn|bounced|took my money|"
        "taken my money|stole my money|without my permission|without authorization|"
        "unauthorized charge|unauthorised charge",
        26,
        0,
        0.5,
        0,
        False,
    ),
    (
        "payroll|salary|salaries|wages|rent|medical|hospital|surgery|funeral|exam|court date",
        18,
        0,
        0,
        0,
        False,
    ),
    (
        "crash+|crashes|crashing|not working|broken|error+|errors|fails|failed|failing|"
        "failure|doesnt work|isnt working|stopped working|wont|cant|cannot|unable|bug|"
        "problem|problems|issue|issues|declined|locked|missing|wrong|lost|damaged|"
        "never arrived|not received|havent received|never got|not delivered|hasnt arrived|"
        "didnt arrive|not showing|doesnt show|not arriving|not receiving|isnt receiving|"
        "arent receiving|hasnt updated|stopped receiving|not firing|stuck|pending|suspended|"
        "banned|rejected|expired|blocked|charged|billed|overcharged|charging me|still charging|"
        "still being charged|wrong amount|higher than|dispute|delayed|late|incomplete",
        12,
        0,
        0,
        0,
        False,
    ),
    (
        "lost in transit|parcel was lost|package was lost|parcel is lost|package is lost|"
        "parcel got lost|package got lost|never arrived|never got|not delivered|never delivered|"
        "has not updated|not updated|"
        "hasnt moved|has not moved|not moved|hasnt changed|lost in transit|says delivered|"
        "marked as delivered|shows delivered|in transit for|returned to sender|sent back|"
        "left my account|has left my account|money has left|balance is still|still hasnt arrived|"
        "pending for|on hold|frozen|still pending|reinstated|by mistake|accidentally deleted|"
        "without any explanation|without explanation|without warning|without notice",
        20,
        0,
        0,
        0,
        False,
    ),
    (
        "exception|stack trace|stacktrace|traceback|nullpointerexception|segfault|core dump|"
        "error 500|500 error|http 500|error 502|502 error|error 503|503 error|"
        "internal server error|bad gateway|service unavailable|gateway timeout",
        20,
        0,
        0,
        0,
        False,
    ),
    (
        "vulnerability|vulnerabilities|xss|sql injection|csrf|exploit|exploited|cve|"
        "remote code execution|privilege escalation|data leak|leaking",
        48,
        0,
        0,
        0,
        False,
    ),
    (
        "users|our users|our customers|customers are|clients are|customers cant|users cant|"
        "users are|users get|employees|staff|colleagues|everywhere|every page|all pages|"
        "every request|all requests|every call|all calls|every api call|all api calls|"
        "all devices|all browsers|customers are reporting|"
        "users are reporting|users report|several users|other users",
        18,
        0,
        0,
        0,
        False,
    ),
    (
        "whole|entire|all of the|the full / team|department|office|company|floor|"
        "finance team|sales team|support team|"
        "organisation|organization|staff|region|site|workspace|business",
        30,
        0,
        0,
        0,
        False,
    ),
    (
        "months of work|weeks of work|all my work|all our work|all my files|all my data|"
        "all our data|all my notes|all my photos|all my projects|unsaved work|work is lost|"
        "are gone|is gone|were gone|disappeared|vanished|wiped out",
        36,
        0,
        0,
        0,
        False,
    ),
    (
        "peak hours|peak time|black friday|product launch|launch day|go live|in production|"
        "production app|"
        "production environment|live environment|our production",
        30,
        0,
        0,
        0,
        False,
    ),
    (
        "5pm|noon|midday|close of business|cob|market open|before the market|this week",
        12,
        0,
        0,
        0,
        False,
    ),
    (
        "escalate|escalated|escalation|seriously affecting|big problem|major issue|major problem",
        14,
        0,
        0.3,
        0,
        True,
    ),
    (
        "important|serious|significant|major|substantial|considerable|considerably|impact|"
        "impacting|disruption|disrupting|inconvenience",
        6,
        0,
        0.3,
        0,
        True,
    ),
    (
        "last week|last month|was down|were down|resolved now|fixed now|back up|working again|"
        "now working|works now|is fixed|was fixed|were entitled|are we entitled",
        -20,
        0,
        0,
        0,
        False,
    ),
    (
        "sometimes|occasionally|once in a while|every now and then|slight|slightly",
        -6,
        0,
        0,
        0,
        False,
    ),
    (
        "minor|cosmetic|typo|small issue|small problem|small bug|minor issue|minor bug|"
        "just letting you know|just so you know|fyi|for your information|heads up|"
        "we can use|we manage|workaround|meanwhile|in the meantime",
        -20,
        0,
        0,
        0,
        False,
    ),
    # ---- formulas that look like cues but are not ----
    (
        "at your earliest convenience|at the earliest convenience|effective immediately|"
        "with immediate effect|as of today|from today|immediately after|right after",
        0,
        0,
        0,
        0.3,
        False,
    ),
    # ---- dampeners ----
    (
        "not urgent|no rush|no hurry|not in a hurry|whenever you can|whenever convenient|"
        "when you get a "
        "chance|when you have a moment|when you have time|low priority|at your convenience|"
        "not a big deal|no big deal|not critical|not important|not a priority|take your time",
        -30,
        0,
        0,
        1.5,
        False,
    ),
    (
        "question|questions|wondering|curious|just wondering|quick question|information about|"
        "info about|how do i|how can i|how to|is it possible|would like to know|could you tell|"
        "can you tell|do you offer|do you have|do you ship|what are|what is|where can i|"
        "is there|are there|could you send|can you send|can i get|can i|could i|do i|how long|"
        "how much|where do i|where should i|which one|which plan|explain|explanation|"
        "clarify|unclear|"
        "is there a way|are you planning",
        -15,
        0,
        0,
        0.3,
        False,
    ),
    (
        "feature request+|suggestion+|suggestions|suggest|idea|ideas|would be nice|"
        "would be great|would be helpful|it would be|please add|could you add|can you add|"
        "wish|enhancement|roadmap|nice to have|dark mode",
        -22,
        0,
        0,
        0.3,
        False,
    ),
    (
        "newsletter+|unsubscribe+|feedback|leave a review|write a review|product review|"
        "reviews|survey|compliment+|testimonial",
        -15,
        0,
        0,
        0,
        False,
    ),
    # ---- tone ----
    (
        "fuck+|fucking|fucked|shit|shitty|bullshit|wtf|asshole+|bastard+|crap|crappy|"
        "piece of crap|piece of shit",
        0,
        2.5,
        0,
        0,
        False,
    ),
    (
        "damn|damned|goddamn|goddamned|bloody|hell|freaking|frigging|effing|sucks|suck",
        0,
        1.2,
        0.5,
        0,
        False,
    ),
    (
        "idiot+|idiots|idiotic|moron+|morons|stupid|incompetent|incompetence|pathetic|"
        "disgrace|disgraceful|shameful|shame on you|clowns|thieves|thief|scam|scammers|"
        "rip off|ripoff|ripped off|robbery|daylight robbery|liars|lying|lied",
        0,
        2.5,
        0,
        0,
        False,
    ),
    (
        "unacceptable|outrageous|ridiculous|absurd|insane|furious|livid|fuming|appalling|"
        "appalled|horrible|terrible|awful|disgusting|worst|useless|garbage|trash|joke|"
        "a joke|never again|last straw|enough is enough|fed up|had enough|sick of|sick and tired",
        0,
        1.6,
        0.6,
        0,
        True,
    ),
    ("angry|mad|pissed|pissed off|outraged", 0, 1.6, 0, 0, True),
    (
        "frustrat+|frustrated|frustrating|frustration|annoy+|annoyed|annoying|annoyance|"
        "disappoint+|disappointed|disappointing|disappointment|upset|unhappy|not happy|"
        "dissatisfied|not satisfied|not impressed|fed|tired of|fed up|waste of time|"
        "wasting my time|wasted",
        0,
        0,
        1.2,
        0,
        True,
    ),
    ("confusing|confused|unclear|hard to follow|hard to use|unhelpful", 0, 0, 0.6, 0, True),
    (
        "again|yet again|once again|still|still not|still no|still waiting|keep|keeps|kept|"
        "repeatedly|constantly|always|every time|everytime|each time|over and over",
        0,
        0,
        0.8,
        0,
        False,
    ),
    (
        "second|2nd|third|3rd|fourth|4th|fifth|5th|tenth|another time|times|multiple times|"
        "several times|many times|countless times|numerous times|how many times|"
        "for days|for weeks|for months|for hours|since yesterday|since last week|"
        "since monday|weeks ago|days ago|months ago|no response|no reply|no answer|"
        "nobody|no one|no one has|never heard back|ignored|ignoring|still havent|"
        "already tried|already contacted|already asked|already sent|already explained|"
        "already reported|already called|in a row|every month|each month",
        6,
        0,
        0.9,
        0,
        False,
    ),
    ("seriously|come on|honestly", 0, 0.2, 0.4, 0, False),
    ("please|pls|plz|kindly|kind", 0, 0, 0, 0.6, False),
    (
        "thanks|thank you|thank|thx|many thanks|thanks in advance|appreciate+|appreciated|"
        "grateful|much appreciated|cheers|regards|kind regards|best regards|best wishes|"
        "sincerely|have a nice day|have a great day",
        -3,
        0,
        0,
        1.2,
        False,
    ),
    (
        "hi|hello|hey|dear|good morning|good afternoon|good evening|greetings|hope you are well|"
        "hope youre well|hope this finds you well",
        0,
        0,
        0,
        0.6,
        False,
    ),
    (
        "would you|could you|would it be possible|if possible|i would like|id like|"
        "i was wondering|wondering if|happy|great|love|awesome|excellent|amazing|wonderful|"
        "nice|helpful|pleased|satisfied",
        0,
        0,
        0,
        0.6,
        True,
    ),
]

# ---- word lists: negation, typo guards, shouting, titles ----

#: Words that negate the cue right after them (one filler word allowed between).
NEGATORS = frozenset(
    "no not never without nothing none isnt arent wasnt werent dont doesnt didnt hasnt "
    "havent hadnt wont cant cannot nor neither".split()
)
#: Words that may stand between a negator and its cue ("no real errors").
NEGATION_FILLERS = frozenset("a an any the my our real really major big more longer such".split())
#: Words that look like typos of cue words but are ordinary words in their own right.
PROTECTED_WORDS = frozenset(
    "change changed changes changing chare order older odder cost coat post past host lost "
    "list last late fate rate date data date bill bell ball pill fill will still till hill "
    "sending filing filling bigger stored storing taking taken token takes tasks talks walks weeks "
    "works words world would could should about above again agent event every never later "
    "users usage using there these those three their while white write wrote where which "
    "whose phone price prize press place plane since start state stage sales saves cares "
    "cards carts parts ports posts costs hosts lists links loads lines think thing things "
    "wanted waited wasted wanting waiting raising rating dating eating making baking asking "
    "water offer other often after older order ordered orders sorted sorter forms forum "
    "stating seating setting sitting getting letting cutting putting trying crying drying "
    "paying playing praying saying staying laying lying dying tying buying "
    "hours house horse shore share shape shake stake stack stick stock block black blank "
    "plank thank thanks tanks banks bank blame flame frame fresh cheap cheat chest check "
    "checks chess class glass grass brass cross gross "
    "pay pat day say way may ray lay fee few fed see bee feel feed pin pan pen pun bin tin win "
    "sign sing sigh log lot dog fog bog ship shop chip slip skip hip tip rip "
    "charges chargers charger charter chapter barge large larger bus but bet "
    "plan plane plant clan plain loan loin lean login logic legit begin begging "
    "account accent amount mount count counts accounts ".split()
)
#: Words in capitals that are acronyms, not shouting.
ACRONYMS = frozenset(
    "API VPN SSL TLS URL PIN CSV PDF USB DNS HTTP HTTPS SSO ETA VAT ASAP IT ID OTP MFA FAQ SMS "
    "CPU GPU RAM SSD HDD IOS AWS GCP SQL SDK UI UX CEO CTO CFO HR QA EU US UK USA GDPR KYC "
    "IBAN SEPA ACH ATM POS EMI GST TV PC MAC WIFI LTE ISP SIM IP LAN WAN NAS ERP CRM SAML "
    "LDAP DHL UPS USPS EOD EST PST UTC GMT CET AM PM OK".split()
)
#: Subjects that say nothing: the suggested title comes from the body instead.
GENERIC_SUBJECTS = frozenset(
    "help|help me|help needed|need help|question|questions|issue|problem|urgent|urgent!|"
    "hi|hello|hey|support|support request|request|ticket|inquiry|enquiry|query|"
    "no subject|(no subject)|untitled|fyi|important|asap|please help|help please|complaint".split(
        "|"
    )
)
