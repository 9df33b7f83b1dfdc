"""Writes for the Digicheck: start a check, answer it, submit, close it (result snapshot) and turn
recommended Bausteine into strategy goals or project proposals. Every write is audited.

Rules:

* The CDO starts and closes checks (``digicheck.manage_digicheck``); members who may answer
  (``digicheck.answer_digicheck``) each fill in one Antwortbogen of their own.
* A closed check is read-only: no new respondents, no answer changes, no second close.
* An answer is a current level (or "weiß nicht", which clears it), an optional target level for
  the check's target year, and optional evidence. Levels run from the questionnaire's min to max.
* Submitting needs an answer (a level or "weiß nicht") to every question of the check's mode.
* Closing computes the result from the submitted Antwortbögen and stores it as a snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digilotse.core.audit import audit_log
from digilotse.core.models import AuditAction, Municipality, OrgUnit, User
from digilotse.engine import digicheck as engine
from digilotse.projects.models import Project, ProjectSource
from digilotse.projects.services import ProjectData, project_create
from digilotse.strategy.models import ActionField, Goal
from digilotse.strategy.services import strategy_element_create

from .loading import questionnaire_of
from .models import (
    Answer,
    Assessment,
    Baustein,
    BausteinAdoption,
    Mode,
    Perspective,
    QuestionnaireVersion,
    Response,
)

#: One answer as the forms deliver it: (current, target, unknown, note, url).
AnswerInput = tuple[int | None, int | None, bool, str, str]


def _may(actor: User, permission: str, municipality: Municipality) -> None:
    if not actor.has_perm(permission, municipality):
        raise PermissionDenied


def _open(assessment: Assessment) -> None:
    # Asked of the database: the instance at hand may predate the close.
    if (
        assessment.closed_at is not None
        or Assessment.objects.filter(pk=assessment.pk, closed_at__isnull=False).exists()
    ):
        raise ValidationError(
            _("Dieser Check ist abgeschlossen und kann nicht mehr geändert werden."),
            code="closed",
        )


def field_name(question_id: str, part: str) -> str:
    """The form field (and error key) of one part of an answer: "FUE-01__current"."""
    return f"{question_id}__{part}"


@transaction.atomic
def assessment_create(
    *, actor: User, municipality: Municipality, title: str, mode: str, target_year: int
) -> Assessment:
    """Start a check with the active questionnaire version."""
    _may(actor, "digicheck.manage_digicheck", municipality)
    errors: dict[str, ValidationError] = {}
    if not title.strip():
        errors["title"] = ValidationError(_("Bitte geben Sie dem Check einen Titel."), "required")
    if mode not in Mode.values:
        errors["mode"] = ValidationError(_("Bitte wählen Sie den Umfang des Checks."), "invalid")
    this_year = timezone.localdate().year
    if not this_year <= target_year <= this_year + 20:
        errors["target_year"] = ValidationError(
            _("Das Zieljahr muss zwischen %(a)d und %(b)d liegen.")
            % {"a": this_year, "b": this_year + 20},
            "out_of_range",
        )
    questionnaire = QuestionnaireVersion.objects.filter(active=True).order_by("-id").first()
    if questionnaire is None:
        errors["__all__"] = ValidationError(
            _("Es ist kein Fragebogen aktiv; bitte wenden Sie sich an die Administration."),
            "no_questionnaire",
        )
    if errors:
        raise ValidationError(errors)
    assert questionnaire is not None
    assessment = Assessment.objects.create(
        municipality=municipality,
        title=title.strip(),
        mode=mode,
        questionnaire=questionnaire,
        target_year=target_year,
        created_by=actor,
    )
    audit_log(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        obj=assessment,
        changes={
            "title": [None, assessment.title],
            "mode": [None, mode],
            "questionnaire": [None, questionnaire.version],
            "target_year": [None, target_year],
        },
    )
    return assessment


@transaction.atomic
def response_start(*, actor: User, assessment: Assessment, perspective: str) -> Response:
    """The actor's Antwortbogen of this check (created on first use; one per person)."""
    _may(actor, "digicheck.answer_digicheck", assessment.municipality)
    _open(assessment)
    if perspective not in Perspective.values:
        raise ValidationError(
            {"perspective": ValidationError(_("Bitte wählen Sie Ihre Perspektive."), "invalid")}
        )
    response = Response.objects.filter(assessment=assessment, respondent=actor).first()
    if response is not None:
        if response.perspective != perspective:
            old = response.perspective
            response.perspective = perspective
            response.save(update_fields=["perspective"])
            audit_log(
                actor=actor,
                municipality=assessment.municipality,
                action=AuditAction.UPDATE,
                obj=response,
                changes={"perspective": [old, perspective]},
            )
        return response
    response = Response.objects.create(
        municipality=assessment.municipality,
        assessment=assessment,
        respondent=actor,
        perspective=perspective,
    )
    audit_log(
        actor=actor,
        municipality=assessment.municipality,
        action=AuditAction.CREATE,
        obj=response,
        changes={"perspective": [None, perspective]},
    )
    return response


def _own(actor: User, response: Response) -> None:
    if response.respondent_id != actor.pk:
        raise PermissionDenied
    _may(actor, "digicheck.answer_digicheck", response.municipality)


@transaction.atomic
def answers_save(
    *, actor: User, response: Response, answers: Mapping[str, AnswerInput]
) -> list[Answer]:
    """Store the actor's answers to some questions (one dimension page at a time).

    An answer without level, target, "weiß nicht" and evidence removes a stored answer.
    """
    _own(actor, response)
    assessment = response.assessment
    _open(assessment)
    q = questionnaire_of(assessment)
    in_mode = {question.id: question for question in q.questions_for(assessment.mode)}
    errors: dict[str, list[ValidationError]] = {}

    def error(qid: str, part: str, message: str, code: str) -> None:
        errors.setdefault(field_name(qid, part), []).append(ValidationError(message, code=code))

    cleaned: dict[str, AnswerInput] = {}
    for qid, (current, target, unknown, note, url) in answers.items():
        if qid not in in_mode:
            errors.setdefault("__all__", []).append(
                ValidationError(
                    _("Die Frage „%(id)s“ gehört nicht zu diesem Check.") % {"id": qid},
                    code="unknown_question",
                )
            )
            continue
        if unknown:
            current = None  # "weiß nicht" clears the level
        for part, value in (("current", current), ("target", target)):
            if value is not None and not q.min <= value <= q.max:
                error(
                    qid,
                    part,
                    _("Bitte wählen Sie eine Stufe von %(min)d bis %(max)d.")
                    % {"min": q.min, "max": q.max},
                    "out_of_range",
                )
        if len(note or "") > 2000:
            error(qid, "note", _("Die Notiz ist zu lang (höchstens 2000 Zeichen)."), "too_long")
        url = (url or "").strip()
        if url and not re.match(r"^https?://\S+$", url):
            error(
                qid,
                "url",
                _("Bitte geben Sie einen Link beginnend mit http:// oder https:// an."),
                "invalid_url",
            )
        cleaned[qid] = (current, target, bool(unknown), (note or "").strip(), url)
    if not errors:
        try:
            engine.validate_answers(q, assessment.mode, {qid: a[0] for qid, a in cleaned.items()})
            engine.validate_answers(q, assessment.mode, {qid: a[1] for qid, a in cleaned.items()})
        except engine.DigicheckError as exc:
            errors.setdefault("__all__", []).append(ValidationError(str(exc), code="engine"))
    if errors:
        raise ValidationError(errors)
    stored = {a.question_id: a for a in response.answers.filter(question_id__in=cleaned)}
    changes: dict[str, list[Any]] = {}
    saved: list[Answer] = []
    for qid, (current, target, unknown, note, url) in cleaned.items():
        answer = stored.get(qid)
        before = (
            None
            if answer is None
            else [
                answer.current,
                answer.target,
                answer.unknown,
                answer.evidence_note,
                answer.evidence_url,
            ]
        )
        after = [current, target, unknown, note, url]
        empty = current is None and target is None and not unknown and not note and not url
        if empty:
            if answer is not None:
                answer.delete()
                changes[qid] = [before, None]
            continue
        if before == after:
            assert answer is not None
            saved.append(answer)
            continue
        answer = answer or Answer(response=response, question_id=qid)
        answer.current, answer.target, answer.unknown = current, target, unknown
        answer.evidence_note, answer.evidence_url = note, url
        answer.save()
        saved.append(answer)
        changes[qid] = [before, after]
    if changes:
        audit_log(
            actor=actor,
            municipality=response.municipality,
            action=AuditAction.UPDATE,
            obj=response,
            changes=changes,
            label=_("Antworten zu „%(t)s“") % {"t": assessment.title},
        )
    return saved


def missing_questions(response: Response) -> list[str]:
    """Ids of the questions of the check's mode without a level and without "weiß nicht"."""
    q = questionnaire_of(response.assessment)
    answered = {
        qid
        for qid, current, unknown in response.answers.values_list(
            "question_id", "current", "unknown"
        )
        if current is not None or unknown
    }
    return [x.id for x in q.questions_for(response.assessment.mode) if x.id not in answered]


@transaction.atomic
def response_submit(*, actor: User, response: Response) -> Response:
    """Hand in the Antwortbogen (it counts for the result from now on; changes stay possible
    until the check is closed)."""
    _own(actor, response)
    _open(response.assessment)
    missing = missing_questions(response)
    if missing:
        raise ValidationError(
            _(
                "Es fehlen noch Antworten auf %(n)d Fragen (%(ids)s). Wählen Sie eine Stufe "
                "oder „weiß nicht“."
            )
            % {"n": len(missing), "ids": ", ".join(missing)},
            code="incomplete",
        )
    first = response.submitted_at is None
    response.submitted_at = timezone.now()
    response.save(update_fields=["submitted_at"])
    if first:
        audit_log(
            actor=actor,
            municipality=response.municipality,
            action=AuditAction.UPDATE,
            obj=response,
            changes={"submitted": [False, True]},
            label=_("Antwortbogen zu „%(t)s“") % {"t": response.assessment.title},
        )
    return response


@transaction.atomic
def assessment_close(*, actor: User, assessment: Assessment) -> Assessment:
    """Close the check: compute the result from the submitted Antwortbögen and keep it."""
    from .selectors import compute_result

    _may(actor, "digicheck.manage_digicheck", assessment.municipality)
    # Lock the row: two CDOs closing at once must not both write a snapshot.
    given = assessment
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _open(assessment)
    if not assessment.responses.filter(submitted_at__isnull=False).exists():
        raise ValidationError(
            _("Es wurde noch kein Antwortbogen abgegeben; ohne Antworten gibt es kein Ergebnis."),
            code="no_responses",
        )
    result = compute_result(assessment)
    assessment.result = result
    assessment.phase = result["phase"] or ""
    assessment.closed_at = timezone.now()
    assessment.save(update_fields=["result", "phase", "closed_at"])
    given.result, given.phase, given.closed_at = result, assessment.phase, assessment.closed_at
    audit_log(
        actor=actor,
        municipality=assessment.municipality,
        action=AuditAction.UPDATE,
        obj=assessment,
        changes={
            "closed": [False, True],
            "phase": [None, assessment.phase],
            "overall": [None, result["overall"]],
            "respondents": [None, result["respondents"]],
        },
    )
    # An opted-in municipality's latest closed check joins the anonymised peer pool.
    from .peers import publish_if_opted_in

    publish_if_opted_in(assessment)
    return assessment


def _next_goal_code(municipality: Municipality) -> str:
    numbers = [
        int(m.group(1))
        for c in Goal.objects.filter(municipality=municipality).values_list("code", flat=True)
        if (m := re.fullmatch(r"DC-(\d+)", c))
    ]
    return f"DC-{(max(numbers) + 1) if numbers else 1}"


def _adoptable(actor: User, assessment: Assessment, baustein: Baustein) -> None:
    _may(actor, "digicheck.manage_digicheck", assessment.municipality)
    if not baustein.active:
        raise ValidationError(
            {"baustein": ValidationError(_("Dieser Baustein ist nicht mehr aktiv."), "inactive")}
        )


def _adopt(
    *,
    actor: User,
    assessment: Assessment,
    baustein: Baustein,
    goal: Goal | None = None,
    project: Project | None = None,
) -> BausteinAdoption:
    adoption = BausteinAdoption.objects.create(
        municipality=assessment.municipality,
        assessment=assessment,
        baustein=baustein,
        goal=goal,
        project=project,
        created_by=actor,
    )
    audit_log(
        actor=actor,
        municipality=assessment.municipality,
        action=AuditAction.CREATE,
        obj=adoption,
        changes={
            "baustein": [None, baustein.key],
            "goal": [None, str(goal) if goal else None],
            "project": [None, str(project) if project else None],
        },
        label=_("Baustein „%(b)s“ aus „%(t)s“ übernommen")
        % {"b": baustein.name, "t": assessment.title},
    )
    return adoption


def _description(assessment: Assessment, baustein: Baustein, text: str = "") -> str:
    origin = _("Aus dem Digicheck „%(t)s“ (Baustein „%(b)s“).") % {
        "t": assessment.title,
        "b": baustein.name,
    }
    body = (
        text.strip() or f"{baustein.description}\n\n{_('Erwartetes Ergebnis')}: {baustein.result}"
    )
    return f"{body}\n\n{origin}"


@transaction.atomic
def baustein_to_goal(
    *,
    actor: User,
    assessment: Assessment,
    baustein: Baustein,
    action_field: ActionField,
    title: str,
) -> BausteinAdoption:
    """Turn a Baustein into a goal of a Handlungsfeld of the strategy (linked both ways)."""
    _adoptable(actor, assessment, baustein)
    if action_field.municipality_id != assessment.municipality_id:
        raise ValidationError(
            {
                "action_field": ValidationError(
                    _("Gehört nicht zu dieser Kommune."), "foreign_tenant"
                )
            }
        )
    if not title.strip():
        raise ValidationError(
            {"title": ValidationError(_("Bitte benennen Sie das Ziel."), "required")}
        )
    goal = strategy_element_create(
        actor=actor,
        municipality=assessment.municipality,
        model=Goal,
        action_field=action_field,
        code=_next_goal_code(assessment.municipality),
        title=title.strip()[:250],
        description=_description(assessment, baustein),
    )
    return _adopt(actor=actor, assessment=assessment, baustein=baustein, goal=goal)


@transaction.atomic
def baustein_to_project(
    *,
    actor: User,
    assessment: Assessment,
    baustein: Baustein,
    org_unit: OrgUnit,
    title: str,
    description: str = "",
) -> BausteinAdoption:
    """Turn a Baustein into a project proposal of an Organisationseinheit (linked both ways)."""
    _adoptable(actor, assessment, baustein)
    if org_unit.municipality_id != assessment.municipality_id:
        raise ValidationError(
            {"org_unit": ValidationError(_("Gehört nicht zu dieser Kommune."), "foreign_tenant")}
        )
    if not title.strip():
        raise ValidationError(
            {"title": ValidationError(_("Bitte benennen Sie das Projekt."), "required")}
        )
    project = project_create(
        actor=actor,
        municipality=assessment.municipality,
        data=ProjectData(
            title=title.strip(),
            org_unit=org_unit,
            description=_description(assessment, baustein, description),
            source=ProjectSource.DEPARTMENT,
        ),
        reason=_("Aus dem Digicheck „%(t)s“ übernommen (Baustein „%(b)s“)")
        % {"t": assessment.title, "b": baustein.name},
    )
    return _adopt(actor=actor, assessment=assessment, baustein=baustein, project=project)
