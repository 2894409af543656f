"""Plain-language explanations of the clinical words clients and physicians meet in the
portals (clients read their own plan; a word they do not know should not stop them)."""

GLOSSARY = {
    "NPRS": "Numeric pain rating: your pain on a scale from 0 (no pain) to 10 (the worst "
    "imaginable). A change of 2 points or more is a change you can feel.",
    "PSFS": "Patient-specific functional scale: how well you can do activities you chose, "
    "each from 0 (cannot do it) to 10 (as before the problem).",
    "Range of motion": "How far a joint moves, in degrees, compared with the usual range for "
    "that movement.",
    "Milestone": "A measurable step towards your goal, with a target and a session by which "
    "we hope to reach it.",
    "Contraindication": "A health reason why a technique could do harm; the therapist changes "
    "or avoids the technique.",
    "Trigger point": "A tight, tender spot in a muscle that can send pain elsewhere.",
    "Myofascial release": "Slow, sustained pressure on the fascia, the thin connective tissue "
    "that wraps each muscle.",
    "Body mechanics": "How you sit, stand, lift and move; habits that can feed pain or ease it.",
}
