"""Validation of what an application for a case review says: applicant and complaints."""

from __future__ import annotations

from datetime import date

from domain.reviews import checks
from domain.reviews.values import (
    Applicant,
    ApplicantRole,
    ComplaintReport,
    ConsentMethod,
    ConsentRecord,
    VictimKind,
)
from domain.shared.errors import InvalidValue
from domain.shared.periods import local_date


def checked_complaint(report: ComplaintReport, received_on: date) -> ComplaintReport:
    """The complaint, tidied (behaviour time in UTC, text stripped), or ``InvalidValue``.

    An application relies on complaints already made, so none may postdate it.
    """
    if not isinstance(report, ComplaintReport):
        raise InvalidValue(
            "Each complaint must be a ComplaintReport.",
            rule="invalid-complaint",
            field="complaints",
        )
    behaviour_at = checks.past_moment(report.behaviour_at, "behaviour_at")
    reported_on = checks.past_date(report.reported_on, "reported_on")
    if reported_on < local_date(behaviour_at):
        raise InvalidValue(
            "A complaint cannot be reported before the behaviour it is about.",
            rule="reported-before-behaviour",
            field="reported_on",
        )
    if reported_on > received_on:
        raise InvalidValue(
            "A complaint the application relies on cannot be reported after the application "
            f"was received ({received_on.isoformat()}).",
            rule="complaint-after-application",
            field="reported_on",
        )
    return ComplaintReport(
        behaviour_at=behaviour_at,
        reported_on=reported_on,
        agency=checks.short_text(report.agency, "agency"),
        complainant=checks.short_text(report.complainant, "complainant"),
        description=checks.text(report.description, "description"),
        agency_reference=checks.optional_text(
            report.agency_reference, "agency_reference", limit=checks.SHORT_TEXT_LIMIT
        ),
    )


def checked_applicant(applicant: Applicant, received_on: date) -> Applicant:
    if not isinstance(applicant, Applicant):
        raise InvalidValue(
            "applicant must be an Applicant.", rule="invalid-applicant", field="applicant"
        )
    role = checks.choice(applicant.role, ApplicantRole, "applicant_role")
    victim_kind = checks.choice(applicant.victim_kind, VictimKind, "victim_kind")
    victim_id = applicant.victim_person_id
    applicant_id = applicant.applicant_person_id
    if victim_kind is VictimKind.PERSON and victim_id is None:
        raise InvalidValue(
            "When the victim is a person, give their person id.",
            rule="victim-person-required",
            field="victim_person_id",
        )
    if victim_kind is not VictimKind.PERSON and victim_id is not None:
        raise InvalidValue(
            "Only a victim who is a person has a person id; describe a business or group "
            "in the applicant description.",
            rule="victim-person-not-allowed",
            field="victim_person_id",
        )
    if victim_id is not None:
        checks.uuid(victim_id, "victim_person_id")
    if applicant_id is not None:
        checks.uuid(applicant_id, "applicant_person_id")
    consent = applicant.consent
    if role.acts_for_victim:
        if consent is None:
            raise InvalidValue(
                "Someone applying on the victim's behalf needs the victim's consent recorded.",
                rule="consent-required",
                field="consent",
            )
        if applicant_id is not None and applicant_id == victim_id:
            raise InvalidValue(
                "The person applying on the victim's behalf cannot be the victim.",
                rule="applicant-is-victim",
                field="applicant_person_id",
            )
        consent = ConsentRecord(
            given_on=checks.past_date(consent.given_on, "consent_given_on"),
            method=checks.choice(consent.method, ConsentMethod, "consent_method"),
        )
        if consent.given_on > received_on:
            raise InvalidValue(
                "Consent must have been given by the day the application was received.",
                rule="consent-after-application",
                field="consent_given_on",
            )
    else:
        if consent is not None:
            raise InvalidValue(
                "Consent is only recorded when someone applies on the victim's behalf.",
                rule="consent-not-applicable",
                field="consent",
            )
        if victim_kind is VictimKind.PERSON:
            if applicant_id is not None and applicant_id != victim_id:
                raise InvalidValue(
                    "The victim applied themselves, so the applicant is the victim.",
                    rule="applicant-is-not-victim",
                    field="applicant_person_id",
                )
            applicant_id = victim_id
    return Applicant(role, victim_kind, victim_id, applicant_id, consent)
