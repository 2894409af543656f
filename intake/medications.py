"""Medications as the client wrote them: drug names and common brands (US, UK, Canada) mapped
to the drug classes screening knows (intake/screening_facts.py, `MedicationMatch`).

`match_medications(text)` finds whole words only ("Aspirin 81 mg", "ELIQUIS 5mg bid",
"warfarin (Coumadin)"), case-insensitively; a misspelt or unknown word is never guessed at
("asprin", "predni" and "aspirinlike" match nothing). What matched is shown to the therapist,
who confirms it into the history (`HealthHistory.medication_classes`).

Classes follow the WHO ATC classification (https://atcddd.fhi.no/atc_ddd_index/); each class
names its ATC groups in `source`. Class keys are stable: rules and stored histories use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from intake.screening_facts import MedicationMatch

ATC = "WHO ATC classification"


@dataclass(frozen=True)
class DrugClass:
    key: str
    label: str  # what a therapist reads after the arrow: "Warfarin -> anticoagulant"
    source: str


CLASSES: tuple[DrugClass, ...] = (
    DrugClass(
        "anticoagulants",
        "anticoagulant",
        f"{ATC}: B01AA (vitamin K antagonists), B01AB (heparins), B01AE (direct thrombin "
        "inhibitors), B01AF (direct factor Xa inhibitors), B01AX05 (fondaparinux)",
    ),
    DrugClass(
        "antiplatelets",
        "antiplatelet",
        f"{ATC}: B01AC (platelet aggregation inhibitors excl. heparin)",
    ),
    DrugClass(
        "corticosteroids",
        "corticosteroid",
        f"{ATC}: H02AB (glucocorticoids for systemic use)",
    ),
    DrugClass(
        "analgesics",
        "pain reliever",
        f"{ATC}: N02 (analgesics: opioids N02A, others N02B), M01A (anti-inflammatory, "
        "non-steroids); gabapentin N03AX12 and pregabalin N03AX16 as neuropathic pain agents",
    ),
    DrugClass(
        "muscle_relaxants",
        "muscle relaxant",
        f"{ATC}: M03B (centrally acting muscle relaxants), M03CA01 (dantrolene); diazepam "
        "N05BA01 as used for muscle spasm",
    ),
    DrugClass(
        "diabetes_drugs",
        "diabetes medicine",
        f"{ATC}: A10 (drugs used in diabetes: insulins A10A, blood glucose lowering A10B)",
    ),
    DrugClass("bisphosphonates", "bisphosphonate", f"{ATC}: M05BA (bisphosphonates)"),
    DrugClass(
        "chemotherapy",
        "cancer medicine (chemotherapy or hormone therapy)",
        f"{ATC}: L01 (antineoplastic agents), L02 (endocrine therapy)",
    ),
    DrugClass(
        "antihypertensives",
        "blood pressure medicine",
        f"{ATC}: C02 (antihypertensives), C03 (diuretics), C07 (beta blockers), C08 (calcium "
        "channel blockers), C09 (agents acting on the renin-angiotensin system)",
    ),
)

BY_KEY = {drug_class.key: drug_class for drug_class in CLASSES}
CLASS_KEYS = frozenset(BY_KEY)

# drug (generic name) -> (classes, other names and brands). A drug in two classes lists both.
DRUGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Anticoagulants
    "warfarin": (("anticoagulants",), ("Coumadin", "Jantoven", "Marevan")),
    "acenocoumarol": (("anticoagulants",), ("Sintrom",)),
    "phenprocoumon": (("anticoagulants",), ("Marcoumar",)),
    "apixaban": (("anticoagulants",), ("Eliquis",)),
    "rivaroxaban": (("anticoagulants",), ("Xarelto",)),
    "dabigatran": (("anticoagulants",), ("Pradaxa", "Pradax")),
    "edoxaban": (("anticoagulants",), ("Savaysa", "Lixiana")),
    "enoxaparin": (("anticoagulants",), ("Lovenox", "Clexane", "Inhixa")),
    "dalteparin": (("anticoagulants",), ("Fragmin",)),
    "tinzaparin": (("anticoagulants",), ("Innohep",)),
    "heparin": (("anticoagulants",), ()),
    "fondaparinux": (("anticoagulants",), ("Arixtra",)),
    # Antiplatelets (aspirin is an analgesic too)
    "clopidogrel": (("antiplatelets",), ("Plavix",)),
    "prasugrel": (("antiplatelets",), ("Effient", "Efient")),
    "ticagrelor": (("antiplatelets",), ("Brilinta", "Brilique")),
    "aspirin": (
        ("antiplatelets", "analgesics"),
        ("ASA", "acetylsalicylic acid", "Ecotrin", "Entrophen", "Asaphen", "Disprin", "Nu-Seals"),
    ),
    "dipyridamole": (("antiplatelets",), ("Persantine", "Aggrenox", "Asasantin")),
    "cilostazol": (("antiplatelets",), ("Pletal",)),
    "ticlopidine": (("antiplatelets",), ("Ticlid",)),
    # Corticosteroids
    "prednisone": (("corticosteroids",), ("Deltasone", "Rayos", "Winpred")),
    "prednisolone": (("corticosteroids",), ("Orapred", "Millipred")),
    "methylprednisolone": (("corticosteroids",), ("Medrol", "Depo-Medrol", "Solu-Medrol")),
    "dexamethasone": (("corticosteroids",), ("Decadron",)),
    "hydrocortisone": (("corticosteroids",), ("Cortef",)),
    "cortisone": (("corticosteroids",), ()),
    "triamcinolone": (("corticosteroids",), ("Kenalog",)),
    "betamethasone": (("corticosteroids",), ("Celestone",)),
    # Analgesics
    "ibuprofen": (("analgesics",), ("Advil", "Motrin", "Nurofen", "Brufen")),
    "naproxen": (("analgesics",), ("Aleve", "Naprosyn", "Anaprox")),
    "diclofenac": (("analgesics",), ("Voltaren", "Voltarol", "Arthrotec")),
    "celecoxib": (("analgesics",), ("Celebrex",)),
    "meloxicam": (("analgesics",), ("Mobic",)),
    "indomethacin": (("analgesics",), ("indometacin", "Indocin")),
    "ketorolac": (("analgesics",), ("Toradol",)),
    "etodolac": (("analgesics",), ()),
    "acetaminophen": (("analgesics",), ("paracetamol", "Tylenol", "Panadol", "Calpol")),
    "tramadol": (("analgesics",), ("Ultram", "Zytram")),
    "tapentadol": (("analgesics",), ("Nucynta",)),
    "oxycodone": (("analgesics",), ("OxyContin", "Percocet", "Oxycocet", "OxyNorm")),
    "hydrocodone": (("analgesics",), ("Vicodin", "Norco")),
    "codeine": (("analgesics",), ("co-codamol",)),
    "dihydrocodeine": (("analgesics",), ("co-dydramol",)),
    "morphine": (("analgesics",), ("MS Contin",)),
    "hydromorphone": (("analgesics",), ("Dilaudid",)),
    "fentanyl": (("analgesics",), ("Duragesic",)),
    "buprenorphine": (("analgesics",), ("Butrans",)),
    "methadone": (("analgesics",), ()),
    "gabapentin": (("analgesics",), ("Neurontin",)),
    "pregabalin": (("analgesics",), ("Lyrica",)),
    # Muscle relaxants
    "cyclobenzaprine": (("muscle_relaxants",), ("Flexeril", "Amrix")),
    "methocarbamol": (("muscle_relaxants",), ("Robaxin", "Robaxacet")),
    "tizanidine": (("muscle_relaxants",), ("Zanaflex",)),
    "baclofen": (("muscle_relaxants",), ("Lioresal",)),
    "carisoprodol": (("muscle_relaxants",), ("Soma",)),
    "diazepam": (("muscle_relaxants",), ("Valium",)),
    "metaxalone": (("muscle_relaxants",), ("Skelaxin",)),
    "orphenadrine": (("muscle_relaxants",), ("Norflex",)),
    "dantrolene": (("muscle_relaxants",), ("Dantrium",)),
    "chlorzoxazone": (("muscle_relaxants",), ()),
    # Diabetes
    "insulin": (
        ("diabetes_drugs",),
        (
            "glargine",
            "lispro",
            "aspart",
            "detemir",
            "degludec",
            "glulisine",
            "Lantus",
            "Toujeo",
            "Basaglar",
            "Abasaglar",
            "Semglee",
            "Humalog",
            "Admelog",
            "Novolog",
            "NovoRapid",
            "Fiasp",
            "Apidra",
            "Levemir",
            "Tresiba",
            "Humulin",
            "Novolin",
        ),
    ),  # fmt: skip
    "metformin": (("diabetes_drugs",), ("Glucophage", "Glumetza", "Riomet")),
    "glipizide": (("diabetes_drugs",), ("Glucotrol",)),
    "glyburide": (("diabetes_drugs",), ("glibenclamide", "DiaBeta", "Glynase")),
    "gliclazide": (("diabetes_drugs",), ("Diamicron",)),
    "glimepiride": (("diabetes_drugs",), ("Amaryl",)),
    "sitagliptin": (("diabetes_drugs",), ("Januvia", "Janumet")),
    "linagliptin": (("diabetes_drugs",), ("Tradjenta", "Trajenta")),
    "saxagliptin": (("diabetes_drugs",), ("Onglyza",)),
    "semaglutide": (("diabetes_drugs",), ("Ozempic", "Wegovy", "Rybelsus")),
    "liraglutide": (("diabetes_drugs",), ("Victoza", "Saxenda")),
    "dulaglutide": (("diabetes_drugs",), ("Trulicity",)),
    "tirzepatide": (("diabetes_drugs",), ("Mounjaro", "Zepbound")),
    "exenatide": (("diabetes_drugs",), ("Byetta", "Bydureon")),
    "empagliflozin": (("diabetes_drugs",), ("Jardiance", "Synjardy")),
    "dapagliflozin": (("diabetes_drugs",), ("Farxiga", "Forxiga")),
    "canagliflozin": (("diabetes_drugs",), ("Invokana",)),
    "pioglitazone": (("diabetes_drugs",), ("Actos",)),
    "repaglinide": (("diabetes_drugs",), ("Prandin", "GlucoNorm")),
    # Bisphosphonates
    "alendronate": (("bisphosphonates",), ("alendronic acid", "Fosamax", "Binosto")),
    "risedronate": (("bisphosphonates",), ("risedronic acid", "Actonel", "Atelvia")),
    "ibandronate": (("bisphosphonates",), ("ibandronic acid", "Boniva", "Bonviva")),
    "zoledronic acid": (("bisphosphonates",), ("zoledronate", "Reclast", "Aclasta", "Zometa")),
    "pamidronate": (("bisphosphonates",), ("Aredia",)),
    "etidronate": (("bisphosphonates",), ("Didronel",)),
    # Chemotherapy and endocrine cancer therapy
    "methotrexate": (("chemotherapy",), ("Trexall", "Otrexup", "Metoject")),
    "tamoxifen": (("chemotherapy",), ("Nolvadex", "Soltamox")),
    "letrozole": (("chemotherapy",), ("Femara",)),
    "anastrozole": (("chemotherapy",), ("Arimidex",)),
    "exemestane": (("chemotherapy",), ("Aromasin",)),
    "capecitabine": (("chemotherapy",), ("Xeloda",)),
    "cyclophosphamide": (("chemotherapy",), ()),
    "doxorubicin": (("chemotherapy",), ("Adriamycin",)),
    "paclitaxel": (("chemotherapy",), ("Taxol", "Abraxane")),
    "docetaxel": (("chemotherapy",), ("Taxotere",)),
    "carboplatin": (("chemotherapy",), ()),
    "cisplatin": (("chemotherapy",), ()),
    "oxaliplatin": (("chemotherapy",), ("Eloxatin",)),
    "fluorouracil": (("chemotherapy",), ("5-FU",)),
    "gemcitabine": (("chemotherapy",), ("Gemzar",)),
    "imatinib": (("chemotherapy",), ("Gleevec", "Glivec")),
    "trastuzumab": (("chemotherapy",), ("Herceptin",)),
    "pembrolizumab": (("chemotherapy",), ("Keytruda",)),
    "nivolumab": (("chemotherapy",), ("Opdivo",)),
    "rituximab": (("chemotherapy",), ("Rituxan", "MabThera")),
    "bicalutamide": (("chemotherapy",), ("Casodex",)),
    "leuprorelin": (("chemotherapy",), ("leuprolide", "Lupron", "Eligard", "Prostap")),
    "abiraterone": (("chemotherapy",), ("Zytiga",)),
    "enzalutamide": (("chemotherapy",), ("Xtandi",)),
    "palbociclib": (("chemotherapy",), ("Ibrance",)),
    "temozolomide": (("chemotherapy",), ("Temodar", "Temodal")),
    # Antihypertensives
    "lisinopril": (("antihypertensives",), ("Zestril", "Prinivil")),
    "enalapril": (("antihypertensives",), ("Vasotec",)),
    "ramipril": (("antihypertensives",), ("Altace", "Tritace")),
    "perindopril": (("antihypertensives",), ("Coversyl", "Aceon")),
    "captopril": (("antihypertensives",), ()),
    "quinapril": (("antihypertensives",), ("Accupril",)),
    "benazepril": (("antihypertensives",), ("Lotensin",)),
    "losartan": (("antihypertensives",), ("Cozaar", "Hyzaar")),
    "valsartan": (("antihypertensives",), ("Diovan", "Entresto")),
    "irbesartan": (("antihypertensives",), ("Avapro", "Aprovel")),
    "candesartan": (("antihypertensives",), ("Atacand", "Amias")),
    "telmisartan": (("antihypertensives",), ("Micardis",)),
    "olmesartan": (("antihypertensives",), ("Benicar", "Olmetec")),
    "amlodipine": (("antihypertensives",), ("Norvasc", "Istin")),
    "nifedipine": (("antihypertensives",), ("Adalat", "Procardia")),
    "felodipine": (("antihypertensives",), ("Plendil",)),
    "diltiazem": (("antihypertensives",), ("Cardizem", "Tiazac")),
    "verapamil": (("antihypertensives",), ("Calan", "Isoptin")),
    "metoprolol": (("antihypertensives",), ("Lopressor", "Toprol", "Betaloc")),
    "atenolol": (("antihypertensives",), ("Tenormin",)),
    "bisoprolol": (("antihypertensives",), ("Zebeta", "Monocor", "Cardicor")),
    "propranolol": (("antihypertensives",), ("Inderal",)),
    "carvedilol": (("antihypertensives",), ("Coreg",)),
    "nebivolol": (("antihypertensives",), ("Bystolic", "Nebilet")),
    "labetalol": (("antihypertensives",), ("Trandate",)),
    "hydrochlorothiazide": (("antihypertensives",), ("HCTZ", "Microzide")),
    "chlorthalidone": (("antihypertensives",), ("chlortalidone",)),
    "indapamide": (("antihypertensives",), ("Lozol", "Natrilix")),
    "bendroflumethiazide": (("antihypertensives",), ()),
    "furosemide": (("antihypertensives",), ("frusemide", "Lasix")),
    "bumetanide": (("antihypertensives",), ("Bumex",)),
    "spironolactone": (("antihypertensives",), ("Aldactone",)),
    "clonidine": (("antihypertensives",), ("Catapres",)),
    "doxazosin": (("antihypertensives",), ("Cardura",)),
    "hydralazine": (("antihypertensives",), ()),
    "methyldopa": (("antihypertensives",), ()),
}


def _pattern(name: str) -> str:
    """A name as a whole word: not inside a longer word (a letter on either side), spaces
    and hyphens inside the name may be any run of spaces or line breaks."""
    parts = [re.escape(part) for part in re.split(r"[\s]+", name.strip())]
    return r"(?<![^\W\d_])" + r"\s+".join(parts) + r"(?![^\W\d_])"


@cache
def _matcher() -> tuple[re.Pattern, dict[str, str]]:
    names: dict[str, str] = {}  # lower-cased name or brand -> drug
    for drug, (classes, others) in DRUGS.items():
        assert set(classes) <= CLASS_KEYS, drug
        for name in (drug, *others):
            names[" ".join(name.lower().split())] = drug
    # The longest names first, so "zoledronic acid" wins over a shorter name inside it.
    ordered = sorted(names, key=len, reverse=True)
    return re.compile("|".join(_pattern(name) for name in ordered), re.IGNORECASE), names


def match_medications(text: str | None) -> list[MedicationMatch]:
    """Each drug named in the text once, with the words as the client wrote them (spaces
    collapsed), in order of appearance; a drug in two classes gives one match per class."""
    if not text:
        return []
    pattern, names = _matcher()
    found: list[MedicationMatch] = []
    seen: set[str] = set()
    for hit in pattern.finditer(text):
        written = " ".join(hit.group(0).split())
        drug = names[written.lower()]
        if drug in seen:
            continue
        seen.add(drug)
        found.extend(MedicationMatch(text=written, drug_class=key) for key in DRUGS[drug][0])
    return found


def class_label(key: str) -> str:
    """ "anticoagulant" for "anticoagulants"; an unknown key prints as stored."""
    drug_class = BY_KEY.get(key)
    return drug_class.label if drug_class else key
