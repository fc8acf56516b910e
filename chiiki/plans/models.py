"""The plan structure: prefecture → regions → bureaus → municipalities; plans → projects →
measures and programs with yearly budgets.

Names follow docs/glossary.md. A prefecture is an :class:`Organization`; Hokkaido is the
first, and every row hangs off one so that many prefectures can share a deployment.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiiki.core.costs import Funding
from chiiki.core.fiscal import format_fiscal_year


class Organization(models.Model):
    """A prefecture (都道府県) running its plans in chiiki."""

    code = models.CharField("団体コード", max_length=6, unique=True)
    slug = models.SlugField("識別子", unique=True)
    name = models.CharField("名称", max_length=50)
    tile_layout = models.JSONField(
        "地図の配置",
        default=dict,
        blank=True,
        help_text="振興局の識別子 → [列, 行]（トップページのタイル地図）。空なら連携地域ごとに1行",
    )

    class Meta:
        verbose_name = "団体（都道府県）"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """A published document a figure or text was read from (出典): named to users by its
    title, issuer and fiscal year, never by a file name."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sources")
    slug = models.SlugField("識別子", max_length=80)
    title = models.CharField("資料名", max_length=200)
    issuer = models.CharField("発行者", max_length=100, blank=True)
    fy = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    fy_note = models.CharField(
        "年度の注記", max_length=50, blank=True, help_text="「平成30年度実績」など、年度の意味"
    )
    url = models.URLField("URL", blank=True)
    note = models.TextField("注記", blank=True)

    class Meta:
        verbose_name = "出典"
        verbose_name_plural = verbose_name
        ordering = ["organization", "fy", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="source_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.citation

    @property
    def citation(self) -> str:
        """「資料名」（発行者、令和3年度）: how pages and reports name the document."""
        parts = [self.issuer] if self.issuer else []
        if self.fy_note:
            parts.append(self.fy_note)
        elif self.fy is not None:
            parts.append(format_fiscal_year(self.fy, "long"))
        # A title that already quotes a name (「連携地域別政策展開方針」について) takes 『』.
        quoted = f"『{self.title}』" if "「" in self.title else f"「{self.title}」"
        return quoted + (f"（{'、'.join(parts)}）" if parts else "")


class EditionStatus(models.TextChoices):
    """The life of a plan edition: drafted by staff, adopted (public), then superseded by the
    next edition (kept, public as history, its structure frozen)."""

    DRAFT = "draft", _("作成中")
    ADOPTED = "adopted", _("策定済み")
    SUPERSEDED = "superseded", _("次の版に移行済み")


PUBLIC_STATUSES = (EditionStatus.ADOPTED, EditionStatus.SUPERSEDED)


class PublicManager(models.Manager):  # type: ignore[type-arg]
    """The default manager of everything that belongs to a plan edition: it hides what belongs
    to a draft edition, so no public page, report, open-data file, API read or collection round
    can show a draft by forgetting a filter. Authoring reads drafts through ``with_drafts``.

    Made by :func:`public_manager` (related managers subclass it and call it without
    arguments, so the path is a class attribute)."""

    path = "plan__status"  # from the model to its plan's status
    optional = ""  # a path that may be empty: a bureau's own program has no project

    def get_queryset(self) -> models.QuerySet:  # type: ignore[type-arg]
        public = Q(**{f"{self.path}__in": PUBLIC_STATUSES})
        if self.optional:
            public |= Q(**{f"{self.optional}__isnull": True})
        return super().get_queryset().filter(public)


def public_manager(path: str, *, optional: str = "") -> PublicManager:
    manager_class = type("PublicManager", (PublicManager,), {"path": path, "optional": optional})
    manager: PublicManager = manager_class()
    return manager


class AllEditions(models.Manager):  # type: ignore[type-arg]
    """Every row, drafts included: for authoring, backups and the grader."""


def source_field() -> models.ForeignKey:  # type: ignore[type-arg]
    """A record's 出典: the document it was read from (optional: typed-in rows have none)."""
    return models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="出典",
    )


class Region(models.Model):
    """連携地域: a cooperation region grouping bureaus (Hokkaido has 6)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="regions")
    slug = models.SlugField("識別子")
    name = models.CharField("名称", max_length=50)
    kana = models.CharField("よみ", max_length=50, blank=True, help_text="ひらがな（検索に使う）")
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "連携地域"
        verbose_name_plural = verbose_name
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="region_slug_unique"),
            models.UniqueConstraint(fields=["organization", "name"], name="region_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Bureau(models.Model):
    """総合振興局・振興局: a regional bureau of the prefecture, in one region."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("総合振興局")
        SUB = "sub", _("振興局")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="bureaus")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="bureaus")
    slug = models.SlugField("識別子")
    name = models.CharField("名称", max_length=50)
    short_name = models.CharField("略称", max_length=20)
    kana = models.CharField(
        "略称のよみ", max_length=50, blank=True, help_text="ひらがな（検索に使う）"
    )
    kind = models.CharField("種別", max_length=10, choices=Kind.choices)
    seat = models.CharField("所在地", max_length=20, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "振興局"
        verbose_name_plural = verbose_name
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="bureau_slug_unique"),
            models.UniqueConstraint(
                fields=["organization", "short_name"], name="bureau_short_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """市町村, identified by its 6-digit 全国地方公共団体コード (kept as text)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="municipalities"
    )
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="municipalities")
    code = models.CharField("団体コード", max_length=6, unique=True)
    name = models.CharField("名称", max_length=30)
    kana = models.CharField("よみ", max_length=60)

    class Meta:
        verbose_name = "市町村"
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        """市・町・村 from the name's last character."""
        return self.name[-1]


class Plan(models.Model):
    """A plan document in one edition: 連携地域別政策展開方針 (R3), 北海道創生総合戦略 …"""

    class Kind(models.TextChoices):
        REGIONAL_POLICY = "regional_policy", _("連携地域別政策展開方針")
        CREATION_STRATEGY = "creation_strategy", _("北海道創生総合戦略")
        COMPREHENSIVE = "comprehensive", _("北海道総合計画")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="plans")
    slug = models.SlugField("識別子")
    kind = models.CharField("種別", max_length=30, choices=Kind.choices)
    edition = models.CharField("版", max_length=20)
    title = models.CharField("名称", max_length=100)
    start_fy = models.PositiveSmallIntegerField("開始年度", null=True, blank=True)
    end_fy = models.PositiveSmallIntegerField("終了年度", null=True, blank=True)
    adopted_month = models.DateField("策定年月", null=True, blank=True)
    period_note = models.CharField("推進期間（原文）", max_length=200, blank=True)
    summary = models.TextField("概要", blank=True)
    declared_project_total = models.PositiveSmallIntegerField(
        "プロジェクト数（公表値）", null=True, blank=True
    )
    source = source_field()
    grading_scheme = models.CharField(
        "評価区分",
        max_length=30,
        default="hokkaido",
        help_text="chiiki/core/grading_schemes.yaml の名前",
    )
    status = models.CharField(
        "状態", max_length=12, choices=EditionStatus.choices, default=EditionStatus.ADOPTED
    )
    predecessor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name="前の版",
    )
    version = models.PositiveIntegerField("版数", default=0)

    objects = public_manager("status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "計画"
        verbose_name_plural = verbose_name
        ordering = ["organization", "kind", "-start_fy"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="plan_slug_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.edition}）"

    @property
    def is_draft(self) -> bool:
        return self.status == EditionStatus.DRAFT

    @property
    def is_frozen(self) -> bool:
        """A superseded edition's structure is history: read-only (its last years' actuals
        and evaluations still arrive)."""
        return self.status == EditionStatus.SUPERSEDED


class PlanSection(models.Model):
    """A section every regional plan has (地域のめざす姿, 主な施策の展開方向 …) and what it holds."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    slug = models.SlugField("識別子")
    title = models.CharField("見出し", max_length=100)
    description = models.TextField("内容", blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    objects = public_manager("plan__status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "計画の構成"
        verbose_name_plural = verbose_name
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "slug"], name="plan_section_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class RegionPlan(models.Model):
    """One region's part of a regional plan: its vision, past efforts and directions, and the
    number of projects the plan *declares* for it (kept apart from the projects we hold)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="region_plans")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="region_plans")
    declared_project_count = models.PositiveSmallIntegerField(
        "プロジェクト数（公表値）", null=True, blank=True
    )
    vision = models.TextField("地域のめざす姿", blank=True)
    efforts_and_issues = models.TextField("これまでの取組と課題", blank=True)
    directions = models.TextField("主な施策の展開方向", blank=True)

    objects = public_manager("plan__status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "連携地域別の計画"
        verbose_name_plural = verbose_name
        ordering = ["plan", "region__order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "region"], name="region_plan_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.region}"


class Project(models.Model):
    """A priority project (地域重点プロジェクト / 重点戦略プロジェクト) of a plan.

    A cross-bureau project counts in its lead bureau's region; the other bureaus taking part
    are in ``other_bureaus``. ``region`` is empty for prefecture-wide strategy projects.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="projects")
    slug = models.SlugField("識別子", max_length=80)
    number = models.PositiveSmallIntegerField("番号", null=True, blank=True)
    name = models.CharField("名称", max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="projects", null=True, blank=True
    )
    lead_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="led_projects", null=True, blank=True
    )
    lead_bureau_inferred = models.BooleanField(
        "主担当の振興局は推定",
        default=False,
        help_text="出典が主担当を明記せず、表の記載順などから推定したもの",
    )
    other_bureaus = models.ManyToManyField(
        Bureau, related_name="joined_projects", blank=True, verbose_name="連携する振興局"
    )
    theme = models.CharField("テーマ・着眼点", max_length=200, blank=True)
    theme_inferred = models.BooleanField("テーマは推定", default=False)
    summary = models.TextField("概要", blank=True)
    is_example = models.BooleanField("代表例として公表", default=False)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    version = models.PositiveIntegerField("版数", default=0)

    objects = public_manager("plan__status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "プロジェクト"
        verbose_name_plural = verbose_name
        ordering = ["plan", "region__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "slug"], name="project_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    """主な施策: a measure of a project, optionally under a group heading (施策の柱)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="measures")
    group = models.CharField("施策の柱", max_length=200, blank=True)
    title = models.CharField("施策", max_length=300)
    description = models.TextField("内容", blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    objects = public_manager("project__plan__status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "施策"
        verbose_name_plural = verbose_name
        ordering = ["project", "order"]

    def __str__(self) -> str:
        return self.title


class Program(models.Model):
    """事業: a budgeted program run by a bureau, usually for a project.

    ``bureau`` is empty only where the source does not say which bureau runs it.
    """

    class Kind(models.TextChoices):
        PROJECT = "project", _("地域プロジェクトの事業")
        BUREAU_ORIGINAL = "bureau_original", _("振興局独自事業")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="programs"
    )
    slug = models.SlugField("識別子", max_length=80)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices, default=Kind.PROJECT)
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="programs", null=True, blank=True
    )
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="programs", null=True, blank=True
    )
    name = models.CharField("事業名", max_length=200)
    description = models.TextField("内容", blank=True)
    # what a 事務事業評価シート asks first: why the program exists and for whom
    purpose = models.TextField("事業の目的", blank=True)
    target_group = models.CharField("対象", max_length=200, blank=True)
    source = source_field()
    order = models.PositiveSmallIntegerField("表示順", default=0)
    version = models.PositiveIntegerField("版数", default=0)

    objects = public_manager("project__plan__status", optional="project")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "事業"
        verbose_name_plural = verbose_name
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="program_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ProgramBudget(models.Model):
    """A program's budget (予算額) for one fiscal year, in 千円 as the budget tables print it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="budgets")
    fy = models.PositiveSmallIntegerField("年度")
    amount_thousand_yen = models.BigIntegerField("予算額（千円）")
    version = models.PositiveIntegerField("版", default=0)

    class Meta:
        verbose_name = "予算額"
        verbose_name_plural = verbose_name
        ordering = ["program", "fy"]
        constraints = [
            models.UniqueConstraint(fields=["program", "fy"], name="program_budget_unique"),
            models.CheckConstraint(
                condition=Q(amount_thousand_yen__gte=0), name="program_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.fy}: {self.amount_thousand_yen}千円"


class ProgramSettlement(models.Model):
    """A program's year-end figures for one fiscal year (決算): the budget after supplementary
    budgets, the settled amount and why it differs, its sources (財源内訳) and the staff time
    spent (人工). Amounts in 千円; ``chiiki.core.costs`` holds the rules."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="settlements")
    fy = models.PositiveSmallIntegerField("年度")
    revised_budget_thousand_yen = models.BigIntegerField(
        "補正後予算額（千円）", null=True, blank=True
    )
    settled_thousand_yen = models.BigIntegerField("決算額（千円）")
    note = models.TextField("差額の理由", blank=True)
    national_funds_thousand_yen = models.BigIntegerField(
        "国庫支出金（千円）", null=True, blank=True
    )
    bond_funds_thousand_yen = models.BigIntegerField("地方債（千円）", null=True, blank=True)
    other_funds_thousand_yen = models.BigIntegerField("その他（千円）", null=True, blank=True)
    general_funds_thousand_yen = models.BigIntegerField("一般財源（千円）", null=True, blank=True)
    staff_years = models.DecimalField("人工", max_digits=5, decimal_places=2, null=True, blank=True)
    version = models.PositiveIntegerField("版", default=0)

    # the columns of the sources, in the order of ``core.costs.Funding``
    FUNDING_FIELDS = (
        "national_funds_thousand_yen",
        "bond_funds_thousand_yen",
        "other_funds_thousand_yen",
        "general_funds_thousand_yen",
    )

    class Meta:
        verbose_name = "決算"
        verbose_name_plural = verbose_name
        ordering = ["program", "fy"]
        constraints = [
            models.UniqueConstraint(fields=["program", "fy"], name="program_settlement_unique"),
            models.CheckConstraint(
                condition=Q(settled_thousand_yen__gte=0)
                & (
                    Q(revised_budget_thousand_yen__isnull=True)
                    | Q(revised_budget_thousand_yen__gte=0)
                )
                & (Q(staff_years__isnull=True) | Q(staff_years__gte=0)),
                name="program_settlement_not_negative",
            ),
            # the sources are all known or none is
            models.CheckConstraint(
                condition=Q(
                    national_funds_thousand_yen__isnull=True,
                    bond_funds_thousand_yen__isnull=True,
                    other_funds_thousand_yen__isnull=True,
                    general_funds_thousand_yen__isnull=True,
                )
                | Q(
                    national_funds_thousand_yen__gte=0,
                    bond_funds_thousand_yen__gte=0,
                    other_funds_thousand_yen__gte=0,
                    general_funds_thousand_yen__gte=0,
                ),
                name="program_settlement_funding_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.fy}: {self.settled_thousand_yen}千円"

    @property
    def funding(self) -> Funding | None:
        """The sources, or None where they are not known (the columns are all set or none)."""
        amounts = [getattr(self, f) for f in self.FUNDING_FIELDS]
        return None if None in amounts else Funding(*amounts)

    @funding.setter
    def funding(self, funding: Funding | None) -> None:
        for f, amount in zip(self.FUNDING_FIELDS, funding or (None,) * 4, strict=True):
            setattr(self, f, amount)


class StaffUnitCost(models.Model):
    """人件費単価: what one person-year of staff time costs the organization in a fiscal year
    (千円), the price of a program's 人工 in its full cost."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="staff_unit_costs"
    )
    fy = models.PositiveSmallIntegerField("年度")
    thousand_yen = models.BigIntegerField("人件費単価（千円／人年）")
    version = models.PositiveIntegerField("版", default=0)

    class Meta:
        verbose_name = "人件費単価"
        verbose_name_plural = verbose_name
        ordering = ["organization", "fy"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "fy"], name="staff_unit_cost_unique"),
            models.CheckConstraint(
                condition=Q(thousand_yen__gte=0), name="staff_unit_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.fy}: {self.thousand_yen}千円"


class AnnualInitiative(models.Model):
    """A bureau's main initiative for a fiscal year (地域戦略の「2021年度の主な取組」)."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="initiatives")
    fy = models.PositiveSmallIntegerField("年度")
    title = models.CharField("取組", max_length=200)
    description = models.TextField("内容", blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "年度の主な取組"
        verbose_name_plural = verbose_name
        ordering = ["fy", "bureau__order", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "fy", "title"], name="annual_initiative_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bureau} {self.fy}: {self.title}"
