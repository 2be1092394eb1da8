from django.db import models


class OrganisationKind(models.TextChoices):
    POLICE_FORCE = "police_force", "Police force"
    BCU = "bcu", "Basic command unit"
    TEAM = "team", "Police team"
    VICTIM_FOCUS_DESK = "victim_focus_desk", "Victim Focus Desk"
    WITNESS_CARE_UNIT = "witness_care_unit", "Witness Care Unit"
    CPS = "cps", "Crown Prosecution Service"
    COURT = "court", "Court"
    PROBATION = "probation", "Probation service"
    SUPPORT_ORGANISATION = "support_organisation", "Support organisation"
    OVERSIGHT_BODY = "oversight_body", "Oversight body"


POLICE_KINDS = frozenset(
    {OrganisationKind.POLICE_FORCE, OrganisationKind.BCU, OrganisationKind.TEAM}
)
PARTNER_KINDS = frozenset(
    {
        OrganisationKind.WITNESS_CARE_UNIT,
        OrganisationKind.CPS,
        OrganisationKind.COURT,
        OrganisationKind.PROBATION,
    }
)


class Role(models.TextChoices):
    OFFICER = "officer", "Officer"
    SUPERVISOR = "supervisor", "Supervisor"
    DESK_AGENT = "desk_agent", "Victim Focus Desk agent"
    PARTNER_CASEWORKER = "partner_caseworker", "Partner caseworker"
    SUPPORT_CASEWORKER = "support_caseworker", "Support caseworker"
    ANALYST = "analyst", "Analyst"
    ADMINISTRATOR = "administrator", "Administrator"


# Which roles a person in each kind of organisation may hold. Anything else is
# refused by User.clean(): an analyst at a court or an officer at a charity is
# a data error, not a configuration.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.POLICE_FORCE: frozenset(
        {Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR}
    ),
    OrganisationKind.BCU: frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ANALYST}),
    OrganisationKind.TEAM: frozenset({Role.OFFICER, Role.SUPERVISOR}),
    OrganisationKind.VICTIM_FOCUS_DESK: frozenset({Role.DESK_AGENT, Role.SUPERVISOR}),
    OrganisationKind.WITNESS_CARE_UNIT: frozenset({Role.PARTNER_CASEWORKER, Role.SUPERVISOR}),
    OrganisationKind.CPS: frozenset({Role.PARTNER_CASEWORKER, Role.SUPERVISOR}),
    OrganisationKind.COURT: frozenset({Role.PARTNER_CASEWORKER}),
    OrganisationKind.PROBATION: frozenset({Role.PARTNER_CASEWORKER, Role.SUPERVISOR}),
    OrganisationKind.SUPPORT_ORGANISATION: frozenset({Role.SUPPORT_CASEWORKER, Role.SUPERVISOR}),
    OrganisationKind.OVERSIGHT_BODY: frozenset({Role.ANALYST, Role.ADMINISTRATOR}),
}
