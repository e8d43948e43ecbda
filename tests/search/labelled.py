"""A small labelled set for semantic search: ten past peer assists, and five questions asked in
other words than theirs, each with the one peer assist that answers it."""

from __future__ import annotations

PAST = {
    "falls": (
        "Falls on the elderly care ward",
        "Frail patients fall at night when they get out of bed without help.",
    ),
    "discharge": (
        "Discharge delays",
        "Patients fit to leave wait a day or more for transport and medicines to take home.",
    ),
    "theatre": (
        "Theatre lists overrun",
        "Operating lists run late every Friday and the last cases are cancelled.",
    ),
    "sepsis": (
        "Sepsis screening",
        "Infection is spotted late in the emergency department and antibiotics start slowly.",
    ),
    "rota": (
        "Rota gaps",
        "Too few nurses on night shifts; agency staff fill the gaps at great cost.",
    ),
    "letters": (
        "Clinic letters",
        "Letters from outpatient clinics reach family doctors weeks after the appointment.",
    ),
    "hygiene": (
        "Hand hygiene audits",
        "Staff forget to wash their hands between patients and audits keep failing.",
    ),
    "meals": (
        "Missed meals",
        "Patients who need help eating miss lunch because the food arrives cold.",
    ),
    "induction": (
        "Induction for new starters",
        "New nurses feel lost in their first weeks and some leave within a year.",
    ),
    "noshows": (
        "Missed appointments",
        "A fifth of outpatients do not attend, and the slots are wasted.",
    ),
}
# Each question avoids the words of the peer assist that answers it.
QUESTIONS = {
    "older people tumbling overnight on our unit": "falls",
    "surgery sessions finishing late and operations postponed": "theatre",
    "not enough nursing cover in the evenings, costly temporary workers": "rota",
    "clinicians not cleaning hands, poor compliance checks": "hygiene",
    "people not turning up to their booked visits": "noshows",
}
