import pytest
from django.urls import reverse

from chiiki.core.text import to_katakana
from chiiki.plans.models import Organization
from chiiki.web.search import search

pytestmark = pytest.mark.django_db


def found(q):
    result = search(Organization.objects.get(slug="hokkaido"), q)
    return {kind: [str(i) for i in items] for _, kind, items in result["groups"]}


def test_finds_across_projects_programs_and_kpis():
    hits = found("エゾシカ")
    assert "空知地域エゾシカ肉有効活用需要喚起事業" in hits["program"]
    assert "エゾシカの捕獲頭数に占める利活用率" in hits["indicator"]
    assert any(
        "北のめぐみ" in p for p in hits["project"]
    )  # via its measure 北海道産ジビエ… no: エゾシカ肉処理…


def test_municipalities_by_name_reading_in_hiragana_and_code():
    assert found("さっぽろ")["municipality"] == ["札幌市"]
    assert found("011002")["municipality"] == ["札幌市"]
    assert found("むかわ")["municipality"] == ["むかわ町"]


def test_full_width_queries_are_normalised():
    assert "ShiriBeshi ニシン利用拡大推進事業" in found("ＳｈｉｒｉＢｅｓｈｉ")["program"]


def test_to_katakana():
    assert to_katakana("さっぽろし") == "サッポロシ"


def test_the_page(client):
    html = client.get(reverse("search") + "?q=観光").content.decode()
    assert "観光入込客数(道北連携地域)" in html and "件" in html
    assert "見つかりませんでした" in client.get(reverse("search") + "?q=zzzzzz").content.decode()
    assert "<script>" not in client.get(reverse("search") + "?q=<script>").content.decode()


def test_regions_and_bureaus_by_full_or_short_name():
    assert found("十勝総合振興局")["bureau"] == ["十勝総合振興局"]
    assert "十勝総合振興局" in found("十勝")["bureau"]
    assert found("道央")["region"] == ["道央広域"]


def test_a_code_prefix_finds_every_municipality_it_starts():
    assert len(found("01")["municipality"]) == 50  # the first page of Hokkaido's 179
    assert found("01100")["municipality"] == ["札幌市"]


def test_hiragana_finds_katakana_names():
    assert found("えぞしか")["program"] == found("エゾシカ")["program"] != []


def test_an_empty_result_says_what_to_try(client):
    html = client.get(reverse("search") + "?q=zzzzzz").content.decode()
    assert "別の書き方" in html and reverse("municipalities") in html


def test_a_region_or_bureau_named_or_read_finds_what_is_written_the_other_way():
    """十勝 finds the とかち-titled projects, とかち the 十勝 bureau and region (readings in
    regions.yaml)."""
    by_kanji = found("十勝")["project"]
    assert "「多様な人材の活躍」とかち支援プロジェクト" in by_kanji
    by_reading = found("とかち")
    assert "十勝総合振興局" in by_reading["bureau"] and by_reading["region"] == ["十勝"]
    assert set(by_kanji) == set(by_reading["project"])
    assert "十勝総合振興局" in found("トカチ")["bureau"]
    # only a whole name or reading stands for the other: 「勝」 finds no とかち project
    assert not any("とかち" in p for p in found("勝").get("project", []))


def test_policy_proposals_and_published_evaluations_are_found(client, personas):
    from chiiki.evaluations.models import Evaluation
    from chiiki.proposals.models import Proposal
    from tests.conftest import PASSWORD

    proposal = Proposal.objects.filter(published=True).first()
    word = proposal.title[:6]
    assert proposal.title in found(word)["proposal"]
    hidden = Proposal.objects.filter(published=False).first()
    if hidden is not None:  # unpublished proposals only for members of the prefecture
        assert hidden.title not in found(hidden.title)["proposal"]
        client.login(username="viewer", password=PASSWORD)
        page = client.get(reverse("search") + "?q=" + hidden.title[:10]).content.decode()
        assert hidden.title in page
    published = Evaluation.objects.filter(status="published").first()
    item = published.analysis_items[0][:8]
    assert str(published) in found(item)["evaluation"]
    draft = Evaluation.objects.exclude(status="published").first()
    if draft is not None:
        assert str(draft) not in found(draft.analysis_items[0][:8])["evaluation"]
