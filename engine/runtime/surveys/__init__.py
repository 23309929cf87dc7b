"""Survey answers by signed link: links in emails (:mod:`.links`) and the answers they bring
(:mod:`.answers`), stored through the runtime so the pack's automations run on them."""

from engine.runtime.surveys.answers import SurveyAnswers
from engine.runtime.surveys.links import (
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    SurveyLink,
    SurveyLinkGone,
    SurveyLinks,
)

__all__ = ["SurveyAnswers", "SurveyLinks", "SurveyLink", "SurveyLinkGone", "BASE_URL_ENV",
           "DEFAULT_BASE_URL"]
