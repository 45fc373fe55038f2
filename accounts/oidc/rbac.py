"""NHS CIS2's national role-based access control (RBAC): the roles a person holds on their
smartcard or other CIS2 credential, each at an organisation named by its ODS code.

Asked for with the `nationalrbacaccess` scope, CIS2 answers `nhsid_nrbac_roles` from its
userinfo endpoint: a list of entries such as

    {"person_orgid": "555254239107", "person_roleid": "555254240100", "org_code": "RWA",
     "role_name": "\\"Clinical\\":\\"Clinical Provision\\":\\"Nurse Access Role\\"",
     "role_code": "S8000:G8000:R8001", "activities": ["…"], "activity_codes": ["B0068"]}

`roles_from` keeps the known fields of each well-formed entry (strings, and lists of
strings, cut to a sane length) and drops the rest, so what is stored on the identity is
always this shape whatever the provider sent.

Which roles count as being "at" a person's linkwork organisation (`accepted_org_codes`):
- the organisation's own ODS code;
- a GP practice's: also its primary care network's code (staff a PCN employs hold roles
  at the PCN);
- a link-worker service's: also the codes of the PCNs and practices it covers (link workers
  are employed by a PCN or one of its practices, and their roles sit there);
- a commissioner's: also the area's ICB and sub-ICB codes (`Area.ods_commissioner_codes`).
An organisation with none of these (a VCSE provider without an ODS code) matches no role,
so an area that refuses sign-in without a matching role must give such staff no CIS2.
"""

import re

from organisations.models import Organisation

ROLES_CLAIM = "nhsid_nrbac_roles"
TEXT_FIELDS = ("person_orgid", "person_roleid", "org_code", "role_name", "role_code")
LIST_FIELDS = ("activities", "activity_codes", "workgroups", "workgroups_codes", "aow", "aow_codes")
MAX_ROLES = 100
MAX_TEXT = 300
MAX_LIST = 200


def roles_from(value) -> list[dict]:
    """The well-formed role entries of an `nhsid_nrbac_roles` claim (anything else: none)."""
    if not isinstance(value, list):
        return []
    roles = []
    for entry in value[:MAX_ROLES]:
        if not isinstance(entry, dict):
            continue
        role = {
            field: entry[field].strip()[:MAX_TEXT]
            for field in TEXT_FIELDS
            if isinstance(entry.get(field), str) and entry[field].strip()
        }
        if "org_code" not in role or not ("role_code" in role or "role_name" in role):
            continue  # a role at no organisation, or no role at all
        role["org_code"] = role["org_code"].upper()
        for field in LIST_FIELDS:
            items = entry.get(field)
            if isinstance(items, list):
                role[field] = [i[:MAX_TEXT] for i in items if isinstance(i, str)][:MAX_LIST]
        roles.append(role)
    return roles


def accepted_org_codes(organisation) -> set[str]:
    """The ODS codes at which a role counts as a role at this organisation (see above)."""
    codes = [organisation.ods_code]
    if organisation.pcn_id:
        codes.append(organisation.pcn.ods_code)
    if organisation.kind == Organisation.Kind.LINK_WORKER_SERVICE:
        codes += organisation.covers_pcns.values_list("ods_code", flat=True)
        codes += organisation.covers_practices.values_list("ods_code", flat=True)
    if organisation.kind == Organisation.Kind.COMMISSIONER:
        codes += organisation.area.ods_commissioner_codes or []
    return {c.strip().upper() for c in codes if isinstance(c, str) and c.strip()}


def roles_at(roles: list[dict], organisation) -> list[dict]:
    accepted = accepted_org_codes(organisation)
    return [role for role in roles if role.get("org_code") in accepted]


def describe(role: dict) -> str:
    """The last part of the role's name, and where: "Privacy Officer (X26)"."""
    name = role.get("role_name", "")
    parts = re.findall(r'"([^"]+)"', name)
    job = (parts[-1] if parts else name).strip() or role.get("role_code", "A role")
    return f"{job} ({role.get('org_code', '?')})"
