"""Detector logic on small drafts (no embedder needed: cue and pattern detectors)."""

import numpy as np
import pytest

from assistant.critique.detectors import analysis, blame, identifiers, jargon, recommendations, tone
from assistant.critique.detectors.common import Context
from assistant.critique.detectors.elements import detect_element
from assistant.critique.draft import parse_draft
from assistant.critique.profiles import get_profile


def ctx(text: str) -> Context:
    doc = parse_draft(text)
    return Context(doc=doc, vectors=np.zeros((len(doc.sentences), 4), dtype=np.float32), embed=None)


def spans(hits, text):
    return [text[h.start:h.end] for h in hits]


# ------------------------------------------------------------ identifiers

def test_identifiers_found_with_redactions():
    text = ("Tyler (9) lived with his mother, Donna Reeve, at 14 Alder Close, Brinsford. "
            "Child J (born 3 February 2008) attended Brinsford Park Primary School. "
            "His mother had been diagnosed with paranoid schizophrenia. The postcode was BR4 7XY.")
    hits = identifiers.detect(ctx(text))
    found = " | ".join(spans(hits, text))
    for needle in ("Tyler", "Donna Reeve", "Alder Close", "born 3 February 2008", "Brinsford Park Primary School", "paranoid schizophrenia", "BR4 7XY"):
        assert needle in found, needle
    sugg = " ".join(h.suggestion for h in hits)
    assert "Child A" in sugg and "age" in sugg and "general" in sugg


def test_anonymised_draft_has_no_identifiers():
    text = ("Child A, a girl aged nine, lived with her mother and stepfather in a town in the north of the county. "
            "She attended a local primary school. Her mother had a long-term mental illness. "
            "The review was written by an independent author, Helen Marsh.")
    assert identifiers.detect(ctx(text)) == []


# ------------------------------------------------------------ blame and tone

def test_blame_on_named_or_singled_out_worker():
    text = "Mr Hale failed to recognise the risk. The health visitor was negligent. Agencies failed to share information."
    hits = blame.detect(ctx(text))
    assert len(hits) == 2
    assert "Agencies" not in " ".join(h.sentence.text for h in hits)


def test_no_blame_when_described_systemically():
    text = "The health visitor did not refer, partly because the bruising protocol was not known to the team."
    assert blame.detect(ctx(text)) == []


def test_tone_lexicon():
    text = "The abuser is a monster and agencies made a catalogue of blunders. The feckless mother slept."
    words = spans(tone.detect(ctx(text)), text)
    assert "monster" in words and "feckless" in words and any("catalogue" in w for w in words)
    assert tone.detect(ctx("The mother was charged with manslaughter by gross negligence.")) == []


# ------------------------------------------------------------ jargon

def test_acronym_unexplained_at_first_use():
    text = "The MASH received the referral. Later the Multi-Agency Safeguarding Hub (MASH) closed it."
    hits = jargon.detect(ctx(text))
    assert [text[h.start:h.end] for h in hits] == ["MASH"]


def test_acronym_expanded_first_is_fine():
    text = "The initial child protection conference (ICPC) met. The ICPC agreed a plan. A s47 (child protection) enquiry followed. The NHS trust helped."
    assert jargon.detect(ctx(text)) == []


def test_section_reference_flagged():
    assert jargon.detect(ctx("A s47 enquiry was started."))


# ------------------------------------------------------------ recommendations

def test_vague_recommendations():
    text = ("Recommendations\n1. Agencies should communicate better with each other.\n"
            "2. The police should agree a procedure for checks with other forces within six months and report to the Board.\n")
    hits = recommendations.detect(ctx(text))
    assert len(hits) == 1 and "communicate better" in hits[0].sentence.text


# ------------------------------------------------------------ analysis

def test_conclusion_without_reasoning():
    text = "The review concluded that the death could not have been predicted. Agencies worked well together."
    assert len(analysis.conclusions_opaque(ctx(text))) == 2


def test_conclusion_with_reasoning_is_fine():
    text = "The death could not have been predicted, because no agency had seen any injury and there was no history of violence."
    assert analysis.conclusions_opaque(ctx(text)) == []


def test_systemic_absent_and_present():
    bare = "Findings\nThe school did not refer. The police did not share information.\n"
    assert analysis.systemic_absent(ctx(bare))
    assert not analysis.systemic_absent(ctx(bare + "The duty team had two vacant posts and high caseloads.\n"))


def test_systemic_terms_in_recommendations_do_not_count():
    text = "Findings\nThe school did not refer.\n\nRecommendations\n1. The trust should review its procedures by March.\n"
    assert analysis.systemic_absent(ctx(text))


def test_descriptive_only_findings():
    bare = ("Findings\n- The school did not refer the concerns.\n- The police did not share information.\n"
            "- No assessment was carried out.\n")
    assert analysis.descriptive_only(ctx(bare))
    explained = ("Findings\n- The school did not refer the concerns because its procedure told staff to speak to parents first.\n"
                 "- The police did not share information; their system could not flag repeat calls, which explains why.\n")
    assert analysis.descriptive_only(ctx(explained)) == []


def test_descriptive_findings_in_other_words():
    prose = ("Findings\n- The duty social worker ignored the childminder's worry.\n"
             "- The health visitor should have known that a toddler rarely injures herself in this way.\n"
             "- Neither agency referred the family to children's services.\n")
    assert len(analysis.descriptive_only(ctx(prose))) == 3


# ------------------------------------------------------------ elements (cue paths)

def _spec(eid):
    return {e.id: e for e in get_profile("scr-executive-summary").elements}[eid]


def test_heading_makes_section_evidence():
    text = "Family involvement\nBoth parents were invited. They declined.\n"
    out = detect_element(ctx(text), _spec("family-involvement"))
    assert out.status == "present"


@pytest.mark.parametrize("text,status", [
    ("The Board has agreed an action plan with named leads and dates, monitored every quarter by its sub-group.", "present"),
    ("An action plan will be drawn up by the Board.", "partial"),
    ("Child A was injured.", "missing"),
])
def test_action_plan_status(text, status):
    assert detect_element(ctx(text), _spec("action-plan")).status == status


@pytest.mark.parametrize("text,status", [
    ("The review covered 2010 to 2012. It was led by an independent reviewer with no links to local agencies.", "present"),
    ("The review was led by an independent chair.", "partial"),
])
def test_review_process_parts(text, status):
    assert detect_element(ctx(text), _spec("review-process")).status == status


def test_intro_partial_without_what_happened():
    assert detect_element(ctx("This is the executive summary of the review about Child M."), _spec("intro-circumstances")).status == "partial"
    assert detect_element(ctx("Child M died at home in 2012, and the Board commissioned this review."), _spec("intro-circumstances")).status == "present"


def test_parallel_process_needs_relation_to_review():
    assert detect_element(ctx("The mother was charged with manslaughter."), _spec("parallel-processes")).status == "partial"
    text = "The father was convicted of murder. Interviews were delayed until after the trial."
    assert detect_element(ctx(text), _spec("parallel-processes")).status == "present"
    assert detect_element(ctx("There were no criminal proceedings."), _spec("parallel-processes")).status != "missing"


def test_recommendations_mentioned_but_not_given_is_partial():
    text = "The overview report makes fourteen recommendations. These are available from the Board on request."
    assert detect_element(ctx(text), _spec("recommendations")).status == "partial"


# ------------------------------------------------------------ blame: broader patterns (named, counterfactual, disciplinary)

@pytest.mark.parametrize("text", [
    "The social worker, Karen Hollis, did not bother to read the file.",
    "Had the health visitor done her job properly, Child A would still be alive.",
    "If the duty manager had only listened to the school, the baby would have been protected.",
    "The paediatrician should face disciplinary action for his handling of the case.",
    "Ms Okafor's negligence allowed the abuse to continue.",
    "The class teacher ignored clear signs that Child B was being hurt.",
    "The GP made a serious error in accepting the mother's explanation.",
    "The review considers that the social worker should be held personally accountable.",
    "Child C was let down by the school nurse.",
    "Social worker Dan Price chose not to visit.",
])
def test_blame_broader_positives(text):
    assert len(blame.detect(ctx(text))) == 1, text


@pytest.mark.parametrize("text", [
    "The social worker, who carried 32 cases and had had no supervision for three months, did not visit again.",
    "There were no disciplinary proceedings against any member of staff.",
    "The review does not seek to apportion blame to individuals.",
    "The GP did not know about the father's convictions because the police had not shared them.",
    "The mother failed to take the baby to appointments.",
    "The father was negligent in leaving the baby alone.",
    "Had a referral been made at that point, an assessment might have uncovered the abuse sooner.",
    "Practitioners ignored the warnings because the procedure did not require a check.",
    "The duty social worker closed the case after one visit; the team had three vacant posts.",
])
def test_blame_broader_negatives(text):
    assert blame.detect(ctx(text)) == [], text


def test_blame_failure_to_follow_procedure_is_still_blame():
    text = "The health visitor failed to carry out the home safety check required by the service's own procedure."
    assert blame.detect(ctx(text))


# ------------------------------------------------------------ systemic vocabulary beyond the obvious words

@pytest.mark.parametrize("extra", [
    "The team was overstretched after a restructure and relied on interim managers.",
    "The two services used separate record systems that could not see each other.",
    "Professional deference to the consultant meant the nurse's concern was not escalated.",
    "There was no escalation procedure for disagreements between agencies.",
])
def test_systemic_uncommon_vocabulary_counts(extra):
    bare = "Findings\nThe school did not refer. The police did not share information.\n"
    assert analysis.systemic_absent(ctx(bare))
    assert not analysis.systemic_absent(ctx(bare + extra + "\n"))


def test_descriptive_only_explained_in_other_words():
    text = ("Findings\n- The school did not refer the concerns; staff were not aware of the threshold guidance.\n"
            "- The police did not share the report, in part because the two forces used different systems.\n"
            "- No assessment was carried out, which meant the father's history was never known.\n")
    assert analysis.descriptive_only(ctx(text)) == []


# ------------------------------------------------------------ element cues: other phrasings of good practice, learning, circumstances

@pytest.mark.parametrize("eid,text", [
    ("good-practice", "Credit is due to the health visitor, who persisted until she saw the baby."),
    ("good-practice", "The school's response was swift and effective, and deserves recognition."),
    ("lessons-learned", "The key message for practitioners is that a quiet child can be overlooked."),
    ("lessons-learned", "What this case tells us is that neglect builds up slowly."),
    ("intro-circumstances", "Child A was admitted to intensive care with life-threatening injuries, and the Board commissioned this review."),
])
def test_element_cue_phrasings_present(eid, text):
    assert detect_element(ctx(text), _spec(eid)).status == "present", text


def test_lessons_heading_variants():
    text = "What this case teaches\nRecord systems that cannot see each other are not a safe way to share risk.\n"
    assert detect_element(ctx(text), _spec("lessons-learned")).status == "present"


def test_good_practice_not_from_advice():
    assert detect_element(ctx("Agencies should respond promptly to concerns."), _spec("good-practice")).status == "missing"


def test_action_plan_heading_with_agreed_actions():
    text = "Action plan\nEach agency has agreed actions, named leads and dates; the subgroup checks progress every quarter.\n"
    assert detect_element(ctx(text), _spec("action-plan")).status == "present"


def test_parallel_process_relation_in_other_words():
    text = "The father was convicted of manslaughter. The workshops were held after the criminal trial ended, by agreement with the police."
    assert detect_element(ctx(text), _spec("parallel-processes")).status == "present"
    assert detect_element(ctx("The mother was charged. The inquest has been adjourned."), _spec("parallel-processes")).status == "present"


def test_vague_recommendation_says_what_it_lacks_in_plain_words():
    hits = recommendations.detect(ctx("Recommendations\n1. Agencies should communicate better with each other.\n"))
    assert hits and hits[0].why == "this recommendation has no clear owner and no way to tell it was done and its action is vague"


@pytest.mark.parametrize("item", [
    "The chair of the CCE panel will widen its criteria to include any child with two or more missing episodes.",
    "The education safeguarding lead will require schools to send online safety information in families' main languages from September.",
])
def test_owned_recommendations_in_other_words(item):
    assert recommendations.detect(ctx(f"Recommendations\n1. {item}\n")) == []


def test_a_statement_of_what_must_improve_is_not_a_recommendation():
    text = "Recommendations\nPractice must improve in joining up small concerns about a child's wellbeing.\n1. The council's education lead will revise the policy by July.\n"
    assert recommendations.detect(ctx(text)) == []


def _lcspr(eid):
    return {e.id: e for e in get_profile("lcspr-report").elements}[eid]


@pytest.mark.parametrize("text,status", [
    ("Evaluating impact\nIn twelve months the partnership will audit 40 records and ask fathers whether they felt included.", "present"),
    ("Monitoring\nThe exploitation subgroup will monitor progress on these actions and receive a report each quarter.", "partial"),
    ("Child K died in March.", "missing"),
])
def test_lcspr_impact_evaluation_needs_a_way_to_judge_the_effect(text, status):
    assert detect_element(ctx(text), _lcspr("lcspr-impact-evaluation")).status == status


@pytest.mark.parametrize("text,status", [
    ("The local authority notified the Panel. The rapid review found that the case raised new concerns, and the partners agreed a local review was likely to identify improvements.", "present"),
    ("A rapid review was held, after which the safeguarding partners commissioned this review.", "partial"),
    ("This review was commissioned by the safeguarding partners.", "missing"),
])
def test_lcspr_rapid_review_needs_the_review_and_the_reason(text, status):
    assert detect_element(ctx(text), _lcspr("lcspr-rapid-review")).status == status


@pytest.mark.parametrize("text", [
    "K is a Black British boy who lives with his mother. The review concluded that adultification shaped how he was seen.",
    "The review considered whether the family's comfortable circumstances made professionals less ready to see risk.",
])
def test_lcspr_child_context_in_other_words(text):
    assert detect_element(ctx(text), _lcspr("lcspr-child-context")).status == "present"


def test_lcspr_rapid_review_acronyms_are_matched_as_acronyms_only():
    spec = _lcspr("lcspr-rapid-review")
    text = "Following the SIN the partnership held an RR, and the partners agreed a review was likely to identify improvements."
    assert detect_element(ctx(text), spec).status == "present"
    assert detect_element(ctx("The mother said it was a sin to ask for help."), spec).status == "missing"
