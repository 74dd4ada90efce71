"""How long each string and how many items each list of a request may be.

Everything a client sends travels into the workflow (and its Temporal history), so nothing is
unbounded: a 1 MB phone number once grew a case's history by 1 MB per step until Temporal killed
it. The request body as a whole is capped by Settings.api_max_body_bytes (413). docs/API.md lists
these values; changing one is a code change reviewed like any other contract change. How often a step
may repeat in one case (filings joined, evidence items per party, ...) is policy: policy.limits,
enforced by the workflow's validators.
"""

ID_CHARS = 100  # order, line, offer, user ids
REF_CHARS = 200  # short references: liability reasons, shipment tracking, merchant refund reference
KIND_CHARS = 40  # evidence kind
ATTACHMENT_REF_CHARS = 500  # an attachment URI
NOTE_CHARS = 1000  # offer notes, response and override reasons
COMMENT_CHARS = 2000  # survey comments, evidence descriptions
DESCRIPTION_CHARS = 4000  # the complaint text
NAME_CHARS = 200
PHONE_CHARS = 40
EMAIL_CHARS = 254  # RFC 5321's limit on an address
ADDRESS_CHARS = 500
EVIDENCE_PER_FILING = 20  # items in one filing or one intake completion
