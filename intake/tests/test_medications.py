"""The medication lexicon (intake/medications.py): names and brands as clients write them,
matched as whole words to drug classes; nothing guessed."""

from __future__ import annotations

import pytest

from intake import medications
from intake.medications import match_medications
from intake.screening_facts import MedicationMatch


def _pairs(text):
    return [(m.text, m.drug_class) for m in match_medications(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Warfarin 5 mg daily", [("Warfarin", "anticoagulants")]),
        ("warfarin (Coumadin)", [("warfarin", "anticoagulants")]),  # one drug, reported once
        ("ELIQUIS 5mg bid", [("ELIQUIS", "anticoagulants")]),
        ("Eliquis5mg", [("Eliquis", "anticoagulants")]),  # a dose glued on is still the drug
        ("Xarelto 20 mg", [("Xarelto", "anticoagulants")]),
        ("Jantoven", [("Jantoven", "anticoagulants")]),
        ("Lixiana 60mg", [("Lixiana", "anticoagulants")]),
        ("Clexane injections", [("Clexane", "anticoagulants")]),
        ("Aspirin 81 mg", [("Aspirin", "antiplatelets"), ("Aspirin", "analgesics")]),
        ("ASA 81", [("ASA", "antiplatelets"), ("ASA", "analgesics")]),
        ("Plavix, Brilinta", [("Plavix", "antiplatelets"), ("Brilinta", "antiplatelets")]),
        ("Medrol dose pack", [("Medrol", "corticosteroids")]),
        (
            "prednisone 10mg; Depo-Medrol shot",
            [("prednisone", "corticosteroids"), ("Depo-Medrol", "corticosteroids")],
        ),
        ("cortisone injection R knee", [("cortisone", "corticosteroids")]),
        ("Advil as needed\nTylenol", [("Advil", "analgesics"), ("Tylenol", "analgesics")]),
        ("Nurofen,paracetamol", [("Nurofen", "analgesics"), ("paracetamol", "analgesics")]),
        ("Lyrica 75", [("Lyrica", "analgesics")]),
        ("Flexeril at night", [("Flexeril", "muscle_relaxants")]),
        ("Robaxin / Zanaflex", [("Robaxin", "muscle_relaxants"), ("Zanaflex", "muscle_relaxants")]),
        ("Lantus 20 units, Humalog with meals", [("Lantus", "diabetes_drugs")]),  # one drug
        (
            "Metformin 500mg BID\r\nOzempic weekly",
            [("Metformin", "diabetes_drugs"), ("Ozempic", "diabetes_drugs")],
        ),
        ("Forxiga 10", [("Forxiga", "diabetes_drugs")]),
        ("Fosamax weekly", [("Fosamax", "bisphosphonates")]),
        ("zoledronic\nacid yearly", [("zoledronic acid", "bisphosphonates")]),
        ("Tamoxifen 20 mg", [("Tamoxifen", "chemotherapy")]),
        ("5-FU", [("5-FU", "chemotherapy")]),
        (
            "Lisinopril 10 mg, Metoprolol 25 mg",
            [("Lisinopril", "antihypertensives"), ("Metoprolol", "antihypertensives")],
        ),
        ("HCTZ 25", [("HCTZ", "antihypertensives")]),
        ("Lasix 40mg", [("Lasix", "antihypertensives")]),
        (
            "Warfarin 5 mg daily (atrial fibrillation)\nMetoprolol 25 mg",
            [("Warfarin", "anticoagulants"), ("Metoprolol", "antihypertensives")],
        ),
        (
            "Tylenol; warfarin; Tylenol again",
            [("Tylenol", "analgesics"), ("warfarin", "anticoagulants")],
        ),  # order, once each
        # Nothing guessed: misspellings, fragments and longer words match nothing.
        ("asprin 81", []),
        ("aspirinlike", []),
        ("predni", []),
        ("warfrin 5mg", []),
        ("Eliquiss", []),
        ("metforman", []),
        ("prednisone-free for a year", [("prednisone", "corticosteroids")]),
        ("vitamin D, fish oil, multivitamin", []),
        ("", []),
        ("None", []),
    ],
)
def test_names_and_brands_as_written(text, expected):
    assert _pairs(text) == expected


def test_matches_are_the_contracts_type():
    (match,) = match_medications("Warfarin 5 mg")
    assert match == MedicationMatch(text="Warfarin", drug_class="anticoagulants")


def test_every_class_has_a_label_and_a_cited_source():
    assert [c.key for c in medications.CLASSES] == [
        "anticoagulants",
        "antiplatelets",
        "corticosteroids",
        "analgesics",
        "muscle_relaxants",
        "diabetes_drugs",
        "bisphosphonates",
        "chemotherapy",
        "antihypertensives",
    ]
    for drug_class in medications.CLASSES:
        assert drug_class.label and "ATC" in drug_class.source, drug_class.key
    assert medications.class_label("anticoagulants") == "anticoagulant"
    used = {key for classes, _ in medications.DRUGS.values() for key in classes}
    assert used == medications.CLASS_KEYS  # every class has drugs, every drug a known class
