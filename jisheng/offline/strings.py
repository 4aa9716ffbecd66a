"""The words of the offline app, translated on the server and handed to the script in the shell.

Each has the context "offline app": a word another app translates otherwise (a visit, a household)
must read here as the village officer's app means it."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

STRINGS = {
    "title": pgettext_lazy("offline app", "Village capture"),
    "outbox": pgettext_lazy("offline app", "Outbox"),
    "unsent": pgettext_lazy("offline app", "Unsent"),
    "persons": pgettext_lazy("offline app", "Persons"),
    "households": pgettext_lazy("offline app", "Households"),
    "tasks": pgettext_lazy("offline app", "Open cases"),
    "record": pgettext_lazy("offline app", "Record"),
    "search": pgettext_lazy("offline app", "Name, pinyin initials or ID digits"),
    "no_match": pgettext_lazy("offline app", "Nobody matches."),
    "not_synced": pgettext_lazy(
        "offline app", "The village has not been downloaded yet: connect to the network once."
    ),
    "sign_in": pgettext_lazy("offline app", "Sign in"),
    "sign_in_needed": pgettext_lazy(
        "offline app", "Your sign-in has expired: sign in again to send the outbox. Nothing is lost."
    ),
    "sign_out": pgettext_lazy("offline app", "Sign out"),
    "online": pgettext_lazy("offline app", "Online"),
    "offline": pgettext_lazy("offline app", "Offline: records are kept on the phone"),
    "synced_at": pgettext_lazy("offline app", "Downloaded"),
    "sync_now": pgettext_lazy("offline app", "Send and download now"),
    "syncing": pgettext_lazy("offline app", "Sending…"),
    "state_waiting": pgettext_lazy("offline app", "Waiting"),
    "state_sending": pgettext_lazy("offline app", "Sending"),
    "state_sent": pgettext_lazy("offline app", "Sent"),
    "state_refused": pgettext_lazy("offline app", "Refused"),
    "state_conflict": pgettext_lazy("offline app", "Conflict"),
    "edit": pgettext_lazy("offline app", "Correct"),
    "discard": pgettext_lazy("offline app", "Discard"),
    "discard_confirm": pgettext_lazy("offline app", "Discard this record? It will not be sent."),
    "save": pgettext_lazy("offline app", "Save to outbox"),
    "cancel": pgettext_lazy("offline app", "Cancel"),
    "captured": pgettext_lazy("offline app", "Captured"),
    "kind_birth": pgettext_lazy("offline app", "Birth"),
    "kind_marriage": pgettext_lazy("offline app", "Marriage"),
    "kind_contraception": pgettext_lazy("offline app", "Contraception"),
    "kind_move_out": pgettext_lazy("offline app", "Move out"),
    "kind_move_in": pgettext_lazy("offline app", "Move in"),
    "kind_person_update": pgettext_lazy("offline app", "Change of details"),
    "kind_departure": pgettext_lazy("offline app", "Leaving to work elsewhere"),
    "left_on": pgettext_lazy("offline app", "Left on"),
    "employer": pgettext_lazy("offline app", "Employer"),
    "contact_phone": pgettext_lazy("offline app", "Contact phone left at home"),
    "contraception": pgettext_lazy("offline app", "Contraceptive measure"),
    "agreement_signed": pgettext_lazy("offline app", "Family planning agreement signed"),
    "yes": pgettext_lazy("offline app", "Yes"),
    "no": pgettext_lazy("offline app", "No"),
    "kind_visit": pgettext_lazy("offline app", "Home visit"),
    "kind_proxy_application": pgettext_lazy("offline app", "Proxy application"),
    "field": pgettext_lazy("offline app", "Field"),
    "mine": pgettext_lazy("offline app", "On the phone"),
    "theirs": pgettext_lazy("offline app", "On the server"),
    "keep_mine": pgettext_lazy("offline app", "Keep mine"),
    "take_theirs": pgettext_lazy("offline app", "Take the server's"),
    "conflict_explain": pgettext_lazy(
        "offline app", "Someone changed this person on the server since your copy. Compare and decide."
    ),
    "storage_refused": pgettext_lazy(
        "offline app",
        "The browser did not grant persistent storage: clearing browser data could lose unsent records.",
    ),
    "storage_full": pgettext_lazy(
        "offline app", "The phone's storage is nearly full: send the outbox and free space."
    ),
    "no_outbox": pgettext_lazy("offline app", "Nothing waiting."),
    "mother": pgettext_lazy("offline app", "Mother"),
    "father": pgettext_lazy("offline app", "Father"),
    "husband": pgettext_lazy("offline app", "Husband"),
    "wife": pgettext_lazy("offline app", "Wife"),
    "person": pgettext_lazy("offline app", "Person"),
    "household": pgettext_lazy("offline app", "Household"),
    "date": pgettext_lazy("offline app", "Date"),
    "date_of_birth": pgettext_lazy("offline app", "Date of birth"),
    "sex": pgettext_lazy("offline app", "Sex"),
    "male": pgettext_lazy("offline app", "Male"),
    "female": pgettext_lazy("offline app", "Female"),
    "child_name": pgettext_lazy("offline app", "Child's name"),
    "child_id_number": pgettext_lazy("offline app", "Child's ID number (if issued)"),
    "weight_grams": pgettext_lazy("offline app", "Birth weight (g)"),
    "place": pgettext_lazy("offline app", "Place of birth"),
    "certificate_number": pgettext_lazy("offline app", "Marriage certificate number"),
    "method": pgettext_lazy("offline app", "Method"),
    "start_date": pgettext_lazy("offline app", "Start date"),
    "provider": pgettext_lazy("offline app", "Provider"),
    "destination": pgettext_lazy("offline app", "Moved to (area code or place)"),
    "origin": pgettext_lazy("offline app", "Came from (area code or place)"),
    "id_number": pgettext_lazy("offline app", "ID number"),
    "name": pgettext_lazy("offline app", "Name"),
    "phone": pgettext_lazy("offline app", "Phone"),
    "address": pgettext_lazy("offline app", "Address"),
    "note": pgettext_lazy("offline app", "Note"),
    "visited_on": pgettext_lazy("offline app", "Date of the visit"),
    "met": pgettext_lazy("offline app", "Met"),
    "asked": pgettext_lazy("offline app", "Asked for"),
    "promised": pgettext_lazy("offline app", "Promised"),
    "follow_up_due": pgettext_lazy("offline app", "Follow up by"),
    "item": pgettext_lazy("offline app", "Service item"),
    "photos": pgettext_lazy("offline app", "Photos of signed forms"),
    "photo_too_many": pgettext_lazy("offline app", "At most four photos."),
    "marital_status": pgettext_lazy("offline app", "Marital status"),
    "ethnicity": pgettext_lazy("offline app", "Ethnicity (code)"),
    "hukou_type": pgettext_lazy("offline app", "Household registration type"),
    "status": pgettext_lazy("offline app", "Status"),
    "pick": pgettext_lazy("offline app", "Choose…"),
    "required": pgettext_lazy("offline app", "Required"),
    "saved": pgettext_lazy("offline app", "Saved on the phone; it will be sent when there is a network."),
    "reason": pgettext_lazy("offline app", "Reason"),
    "members": pgettext_lazy("offline app", "Members"),
    "due": pgettext_lazy("offline app", "Due"),
    "no_tasks": pgettext_lazy("offline app", "No open cases."),
    "elsewhere": pgettext_lazy("offline app", "Not in this village? Find by ID number"),
    "elsewhere_id": pgettext_lazy("offline app", "Full ID number"),
    "elsewhere_name": pgettext_lazy("offline app", "Name as on the ID card"),
    "look_up": pgettext_lazy("offline app", "Look up"),
    "look_up_offline": pgettext_lazy(
        "offline app",
        "No network: the ID number and name are saved with the record and matched by the server when it is sent.",
    ),
    "lives_in": pgettext_lazy("offline app", "lives in"),
    "choose_village": pgettext_lazy("offline app", "Choose the village to take along"),
    "take_village": pgettext_lazy("offline app", "Download this village"),
    "removed_note": pgettext_lazy(
        "offline app", "Records you may no longer see were removed from the phone."
    ),
}


def catalogue() -> dict[str, str]:
    return {key: str(text) for key, text in STRINGS.items()}
