"""Classification and triage: the classifier's vocabulary, its confidence thresholds and group impact."""

from datetime import timedelta

from pydantic import Field, PositiveInt

from models.enums import ComplaintType
from models.policy._base import _Strict
from models.policy.severity_keywords import CLASSIFIER_URGENT_KEYWORDS, SEVERITY_A_KEYWORDS
from models.policy.type_keywords import CLASSIFIER_TYPE_KEYWORDS, TYPE_KEYWORDS


class ClassificationPolicy(_Strict):
    """How a complaint's text becomes a suggested type, dispute class and severity.

    The keywords below are features of the classifier (policy/classifier.py): a keyword the text
    affirms pushes towards its type, one the text denies ("没有变质", "not broken") does not.
    """

    keywords: dict[ComplaintType, list[str]] = Field(
        description="words (Chinese or English) that point at each complaint type: the keyword rules' whole "
        "vocabulary, and features of the classifier",
        default=TYPE_KEYWORDS,
    )
    classifier_keywords: dict[ComplaintType, list[str]] = Field(
        description="more words per type that only the classifier weighs (added to keywords); the keyword rules "
        "of cases classified in the workflow ignore them",
        default=CLASSIFIER_TYPE_KEYWORDS,
    )
    # Order matters: the first type in this list whose keywords match wins ties.
    precedence: list[ComplaintType] = Field(
        default=[
            ComplaintType.FOOD_SAFETY,
            ComplaintType.COUNTERFEIT,
            ComplaintType.LOGISTICS,
            ComplaintType.QUALITY_DEFECT,
            ComplaintType.NOT_AS_DESCRIBED,
            ComplaintType.AFTER_SALES,
            ComplaintType.PLATFORM_SERVICE,
        ],
        description="legacy keyword rules only: the type that wins when the keywords of several match",
    )
    severity_a_keywords: list[str] = Field(
        default=SEVERITY_A_KEYWORDS,
        description="words that make a complaint urgent (A) when the text affirms them",
    )
    classifier_urgent_keywords: list[str] = Field(
        default=CLASSIFIER_URGENT_KEYWORDS,
        description="more urgent (A) words that only the classifier uses (added to severity_a_keywords)",
    )
    severity_c_keywords: list[str] = Field(
        default=["建议", "suggest", "suggestion", "希望", "would be nice"],
        description="words that mark a suggestion (C); the classifier weighs them against signs of harm",
    )
    classifier_suggestion_keywords: list[str] = Field(
        default=[
            "it would be great",
            "just an idea",
            "提个建议",
            "能不能",
            "please add",
            "would love",
            "could you add",
            "可以加",
            "加个",
            "增加",
            "能否",
        ],
        description="more suggestion (C) words that only the classifier weighs (added to severity_c_keywords)",
    )
    group_threshold: PositiveInt = Field(
        5,
        description="legacy (cases classified in the workflow before the classifier activity): open "
        "complaints on one merchant or SKU that make a group",
    )
    group_window: timedelta = Field(
        timedelta(days=7), description="how far back complaints and orders count towards group impact"
    )
    group_min_orders: PositiveInt = Field(
        20, description="orders of a SKU or merchant in the window below which no complaint rate is taken"
    )
    group_min_complaints: PositiveInt = Field(
        3, description="complaints (this one included) a SKU or merchant needs in the window to be a group"
    )
    group_sku_rate: float = Field(
        0.05, gt=0, le=1, description="complaints per order on one SKU in the window that make group impact"
    )
    group_merchant_rate: float = Field(
        0.02, gt=0, le=1, description="complaints per order on one merchant in the window that make group impact"
    )
    min_confidence: float = Field(
        0.60,
        ge=0,
        le=1,
        description="below this probability of its type a suggestion is marked low-confidence "
        "and the agent classifies it (no type is presumed). 0.60 since the fourth round's model typed a text "
        "naming no issue ('about my order, please call me back') at 0.56; on 5-fold cross-validation inside "
        "the train split it routes 8.6 % of texts to an agent (0.55: 6.9 %) and the rest are typed right 90.8 % "
        "of the time (0.55: 90.2 %)",
    )
    urgent_probability: float = Field(
        0.12,
        ge=0,
        le=1,
        description="the classifier's probability of severity A at or above which a complaint is urgent "
        "(an urgent case gets a one-hour first-contact clock, so a false alarm costs support time). Chosen "
        "with the severity model's regularisation by 5-fold cross-validation on the corpus' train split "
        "(`complaints classifier tune`): the highest severity-A recall whose precision is at least 75 %, "
        "ties broken by higher precision; 0.12 gave recall 98.0 %, precision 77.1 % (fourth round, 2026-12-06)",
    )
