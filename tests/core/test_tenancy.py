"""Membership decides which municipality a person sees."""

from digilotse.core.models import Role
from digilotse.core.rules import role_in


def test_role_is_per_municipality(tenant, other_tenant):
    cdo = tenant.users[Role.CDO]
    assert role_in(cdo, tenant.municipality) == Role.CDO
    assert role_in(cdo, other_tenant.municipality) is None


def test_cdo_may_manage_only_own_municipality(tenant, other_tenant):
    cdo = tenant.users[Role.CDO]
    assert cdo.has_perm("core.manage_municipality", tenant.municipality)
    assert not cdo.has_perm("core.manage_municipality", other_tenant.municipality)
    viewer = tenant.users[Role.VIEWER]
    assert viewer.has_perm("core.view_municipality", tenant.municipality)
    assert not viewer.has_perm("core.manage_municipality", tenant.municipality)
