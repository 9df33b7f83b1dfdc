"""Weights (direct and AHP), ranking with reasons, robustness and budget line pages."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pytest
from django.urls import reverse

from digilotse.core.models import Role
from digilotse.core.templatetags.charts import PALETTE, contrast_ratio, palette, stacked_bar
from digilotse.selection import services
from digilotse.selection.models import PairwiseJudgment, RoundCriterion, Weighting

from .builders import create_round, score_round


def build_round(tenant, *, submit: int = 3, close: bool = False, weighting: str = "direct"):
    """The builder's round; the first `submit` evaluators score everything and submit; with
    `close`, the CDO closes the round (snapshot)."""
    r, projects, criteria, evaluators = create_round(tenant, weighting=weighting)
    score_round(
        r, projects, criteria, evaluators, score=lambda p, e: (p * 2 + e) % 6, submit=submit
    )
    if close:
        r = services.round_close(actor=tenant.users[Role.CDO], selection_round=r)
    return r, projects, criteria, evaluators


def url(name, r):
    return reverse(f"selection:{name}", args=[r.municipality.slug, r.pk])


def text(response) -> str:
    return unescape(response.content.decode())


def german(x: float, places: int) -> str:
    """Rounded half up, German separators: 1234.5678, 2 → „1.234,57“."""
    d = Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{d:,.{places}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def row_html(html: str, attr: str, key: str) -> str:
    """The <tr> with data-project=key inside the table marked with `attr`."""
    table = html.split(attr, 1)[1].split("</table>", 1)[0]
    match = re.search(rf'<tr[^>]*data-project="{re.escape(key)}".*?</tr>', table, re.S)
    assert match, key
    return match.group(0)


@pytest.mark.django_db
def test_results_show_rank_score_explanation_and_contributions_for_both_methods(tenant, login):
    r, projects, _, _ = build_round(tenant, close=True)
    results = services.round_results(r)
    page = login(tenant.users[Role.CDO]).get(url("results", r))
    assert page.status_code == 200
    html = text(page)
    assert 'data-results="frozen"' in html and "Eingefrorenes Ergebnis" in html
    for method in ("weighted_sum", "topsis"):
        other = "topsis" if method == "weighted_sum" else "weighted_sum"
        other_rank = {row["key"]: row["rank"] for row in results["ranking"][other]}
        assert len(results["ranking"][method]) == len(projects)
        for row in results["ranking"][method]:
            tr = row_html(html, f'data-method="{method}"', row["key"])
            assert re.search(rf"data-rank>{row['rank']}<", tr)
            assert f"data-score>{german(row['score'], 3)}<" in tr
            assert f"data-other-rank>{other_rank[row['key']]}<" in tr
            assert row["explanation"] in tr
            for key, value in row["contributions"].items():
                assert f'data-criterion="{key}">{german(value, 3)}<' in tr
            # the contribution bar: an accessible SVG with title and desc
            assert 'role="img"' in tr and "<title" in tr and "<desc" in tr
    assert results["weeded_out"], "the fixture should weed out at least one project"
    for w in results["weeded_out"]:
        assert w["reason"] in html
    assert "Aussortierte Projekte" in html


@pytest.mark.django_db
def test_open_round_is_a_preview_and_hidden_from_evaluators_who_have_not_submitted(tenant, login):
    r, _, _, evaluators = build_round(tenant, submit=2)
    client = login(tenant.users[Role.COMMITTEE])
    page = client.get(url("results", r))
    assert page.status_code == 200
    assert 'data-results="preview"' in text(page) and "Vorschau" in text(page)
    client.logout()
    client = login(evaluators[2])  # scored but did not submit
    for name in ("results", "robustness", "cutoff"):
        page = client.get(url(name, r))
        assert page.status_code == 403
        html = text(page)
        assert 'data-results="hidden"' in html
        assert "data-project=" not in html and "Punktzahl" not in html
    client.logout()
    client = login(evaluators[0])  # submitted
    assert client.get(url("results", r)).status_code == 200


@pytest.mark.django_db
def test_robustness_shows_intervals_and_acceptability_matching_round_results(tenant, login):
    r, _, _, _ = build_round(tenant, close=True)
    results = services.round_results(r)
    page = login(tenant.users[Role.CDO]).get(url("robustness", r))
    assert page.status_code == 200
    html = text(page)
    stability = html.split("data-stability", 1)[1].split("</table>", 1)[0]
    for key, (lo, hi) in results["stability"].items():
        row = re.search(rf'data-criterion="{key}".*?</tr>', stability, re.S)
        assert row, key
        assert f"data-weight>{german(results['weights'][key] * 100, 1)}\u00a0%" in row.group(0)
        assert f"data-lower>{german(lo * 100, 1)}\u00a0%" in row.group(0)
        assert f"data-upper>{german(hi * 100, 1)}\u00a0%" in row.group(0)
    shares = results["acceptability"]
    for key, share in shares.items():
        tr = row_html(html, "data-acceptability", key)
        assert f"data-share>{german(share * 100, 1)}\u00a0%" in tr
    # sorted by share, descending
    table = html.split("data-acceptability", 1)[1].split("</table>", 1)[0]
    order = re.findall(r'data-project="([^"]+)"', table)
    assert [shares[k] for k in order] == sorted(shares.values(), reverse=True)
    assert html.count('role="img"') >= 2 and "<title" in html
    assert "Stabilitätsbereich" in html and "Rang-Akzeptanz" in html


@pytest.mark.django_db
def test_cutoff_marks_the_budget_line_at_the_right_row(tenant, login):
    r, _, _, _ = build_round(tenant, close=True)
    results = services.round_results(r)
    cut = results["cutoff"]
    first_over = next(i for i, row in enumerate(cut) if not row["within_budget"])
    assert 0 < first_over < len(cut)  # the fixture's budget runs out in between
    page = login(tenant.users[Role.COMMITTEE]).get(url("cutoff", r))
    assert page.status_code == 200
    html = text(page)
    table = html.split("data-cutoff", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r'<tr[^>]*data-(project="[^"]+"|budget-line)', body)
    line = rows.index("budget-line")
    assert line == first_over
    assert [row.split('"')[1] for row in rows if row != "budget-line"] == [c["key"] for c in cut]
    assert "Budgetlinie" in html and "Budget 2027" in html
    for row in cut:
        tr = re.search(rf'<tr[^>]*data-project="{row["key"]}"[^>]*>', body)
        assert tr
        assert f'data-within="{"ja" if row["within_budget"] else "nein"}"' in tr.group(0)
    assert german(cut[-1]["cumulative"]["2027"], 0) + "\u00a0€" in html  # totals
    assert 'role="img"' in html and "<title" in html


@pytest.mark.django_db
def test_ahp_form_saves_judgments_and_shows_weights_and_cr(tenant, login):
    r, _, criteria, _ = build_round(tenant, weighting=Weighting.AHP)
    keys = [c.key for c in criteria]
    client = login(tenant.users[Role.COMMITTEE])
    page = client.get(url("ahp", r))
    assert page.status_code == 200
    html = text(page)
    # one row per pair with the 17 verbal options
    assert html.count("<select") == 3
    assert "gleich wichtig (1)" in html and "extrem wichtiger (9)" in html
    assert "Zwischenwert (8)" in html
    assert f"{criteria[0].name} ↔ {criteria[1].name}" in html
    data = {
        f"ahp-pair_{keys[0]}__{keys[1]}": "3",
        f"ahp-pair_{keys[0]}__{keys[2]}": "5",
        f"ahp-pair_{keys[1]}__{keys[2]}": "2",
    }
    response = client.post(url("ahp", r), data)
    assert response.status_code == 302
    stored = {
        (j.first.key, j.second.key): j.value
        for j in PairwiseJudgment.objects.filter(selection_round=r)
    }
    assert stored == {(keys[0], keys[1]): 3, (keys[0], keys[2]): 5, (keys[1], keys[2]): 2}
    html = text(client.get(url("ahp", r)))
    assert "data-lambda-max" in html and "data-cr" in html and "data-ci" in html
    assert "saaty1980" in html and "data-ri-table" in html
    assert "data-ahp-warning" not in html
    assert f"selected>{criteria[0].name} etwas wichtiger (3)" in html  # prefilled
    # the weights page shows the group result, and the results use it
    weights_page = text(client.get(url("weights", r)))
    assert "AHP-Gruppenergebnis" in weights_page and "data-ahp-weights" in weights_page
    results = services.round_results(r)
    assert results["ahp"] is not None
    assert results["weights"][keys[0]] > results["weights"][keys[1]] > results["weights"][keys[2]]


@pytest.mark.django_db
def test_inconsistent_judgments_warn_with_the_worst_pair(tenant, login):
    r, _, criteria, _ = build_round(tenant, weighting=Weighting.AHP)
    keys = [c.key for c in criteria]
    client = login(tenant.users[Role.EVALUATOR])
    # A ≫ B, B ≫ C, but C ≫ A: circular, CR far above 0.1
    data = {
        f"ahp-pair_{keys[0]}__{keys[1]}": "9",
        f"ahp-pair_{keys[0]}__{keys[2]}": "1/9",
        f"ahp-pair_{keys[1]}__{keys[2]}": "9",
    }
    assert client.post(url("ahp", r), data).status_code == 302
    html = text(client.get(url("ahp", r)))
    assert "data-ahp-warning" in html and "nicht konsistent" in html
    warning = html.split("data-ahp-warning", 1)[1].split("</ul>", 1)[0]
    assert warning.count("data-worst-pair") == 3
    assert "Vorschlag" in warning
    assert f"„{criteria[0].name}“ ↔ „{criteria[1].name}“" in warning

    # a second member: the group aggregate appears
    client.logout()
    client = login(tenant.users[Role.CDO])
    data = {
        f"ahp-pair_{keys[0]}__{keys[1]}": "2",
        f"ahp-pair_{keys[0]}__{keys[2]}": "4",
        f"ahp-pair_{keys[1]}__{keys[2]}": "2",
    }
    assert client.post(url("ahp", r), data).status_code == 302
    html = text(client.get(url("ahp", r)))
    assert "Gruppenergebnis (2 Mitglieder" in html


@pytest.mark.django_db
def test_ahp_rejects_values_off_the_scale_and_members_without_permission(tenant, login):
    r, _, criteria, _ = build_round(tenant)
    keys = [c.key for c in criteria]
    data = {
        f"ahp-pair_{keys[0]}__{keys[1]}": "10",
        f"ahp-pair_{keys[0]}__{keys[2]}": "1",
        f"ahp-pair_{keys[1]}__{keys[2]}": "1",
    }
    client = login(tenant.users[Role.COMMITTEE])
    assert client.post(url("ahp", r), data).status_code == 400
    assert not PairwiseJudgment.objects.exists()
    client.logout()
    client = login(tenant.users[Role.IT_LEAD])
    assert client.get(url("ahp", r)).status_code == 200
    data[f"ahp-pair_{keys[0]}__{keys[1]}"] = "3"
    assert client.post(url("ahp", r), data).status_code == 403


@pytest.mark.django_db
def test_direct_weights_by_cdo_only(tenant, login):
    r, _, criteria, _ = build_round(tenant)
    keys = [c.key for c in criteria]
    data = {f"w-{keys[0]}": "1", f"w-{keys[1]}": "1,5", f"w-{keys[2]}": "2,5"}
    for role in (Role.EVALUATOR, Role.COMMITTEE, Role.IT_LEAD, Role.PROJECT_MANAGER):
        client = login(tenant.users[role])
        assert client.get(url("weights", r)).status_code == 200
        assert client.post(url("weights", r), data).status_code == 403
        client.logout()
    client = login(tenant.users[Role.CDO])
    page = text(client.get(url("weights", r)))
    assert "50,0\u00a0%" in page  # 3 / (3 + 2 + 1)
    assert 'role="img"' in page
    response = client.post(url("weights", r), data)
    assert response.status_code == 302
    stored = {
        rc.criterion.key: rc.weight for rc in RoundCriterion.objects.filter(selection_round=r)
    }
    assert stored == {keys[0]: Decimal(1), keys[1]: Decimal("1.5"), keys[2]: Decimal("2.5")}
    page = text(client.get(url("weights", r)))
    assert "20,0\u00a0%" in page and "30,0\u00a0%" in page and "50,0\u00a0%" in page
    assert services.round_results(r)["weights"][keys[2]] == pytest.approx(0.5)


@pytest.mark.django_db
def test_closed_round_rejects_weight_and_judgment_changes_in_german(tenant, login):
    r, _, criteria, _ = build_round(tenant, close=True)
    keys = [c.key for c in criteria]
    client = login(tenant.users[Role.CDO])
    response = client.post(url("weights", r), {f"w-{k}": "1" for k in keys})
    assert response.status_code == 400
    assert "Die Bewertung dieser Runde ist abgeschlossen." in text(response)
    assert {rc.weight for rc in RoundCriterion.objects.filter(selection_round=r)} == {
        Decimal(3),
        Decimal(2),
        Decimal(1),
    }
    data = {
        f"ahp-pair_{keys[0]}__{keys[1]}": "3",
        f"ahp-pair_{keys[0]}__{keys[2]}": "3",
        f"ahp-pair_{keys[1]}__{keys[2]}": "1",
    }
    response = client.post(url("ahp", r), data)
    assert response.status_code == 400
    assert "Die Bewertung dieser Runde ist abgeschlossen." in text(response)
    assert not PairwiseJudgment.objects.exists()


@pytest.mark.django_db
def test_other_municipality_gets_404(tenant, other_tenant, login):
    r, _, _, _ = build_round(tenant, close=True)
    client = login(other_tenant.users[Role.CDO])
    for name in ("weights", "ahp", "results", "robustness", "cutoff"):
        assert client.get(url(name, r)).status_code == 404
    other_url = reverse("selection:results", args=[other_tenant.municipality.slug, r.pk])
    assert client.get(other_url).status_code == 404


def test_chart_colours_meet_contrast_and_svg_is_labelled():
    assert all(contrast_ratio(c) >= 3 for c in PALETTE)
    colors = palette(["a", "b"])
    svg = stacked_bar(
        [{"label": "A & B", "value": 0.25, "color": colors["a"]}],
        maximum=1,
        title="Titel <x>",
        desc="Beschreibung",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "Titel &lt;x&gt;" in svg and "<desc" in svg
    assert "A &amp; B" in svg
