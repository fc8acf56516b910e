"""Indicators (数値目標 and KPI of a project; 活動指標 and 成果指標 of a program): baseline,
target, revisions and yearly actuals.

Every figure is stored as written in the indicator's display unit (``unit``: 千人, %, 億円 …)
as a Decimal. A missing actual is a row with no value and a marker saying why (未 or —), so
"not yet published" and "not surveyed" are never confused with zero or with each other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiiki.core.numbers import Missing
from chiiki.core.progress import Method, NotComputable
from chiiki.core.targets import TargetKind
from chiiki.plans.models import AllEditions, Program, Project, public_manager

FIGURE_DIGITS, FIGURE_PLACES = 20, 6  # every figure column: 20 digits, 6 after the point


class Indicator(models.Model):
    class Kind(models.TextChoices):
        NUMERIC_GOAL = "numeric_goal", _("数値目標")
        KPI = "kpi", "KPI"
        # a program's own (事務事業評価): what it did, and what changed for its target group
        ACTIVITY = "activity", _("活動指標")
        OUTCOME = "outcome", _("成果指標")

    class NameStatus(models.TextChoices):
        PUBLISHED = "published", _("公表どおり")
        INFERRED = "inferred", _("本文から推定")
        UNKNOWN = "unknown", _("名称不明（出典で欠落）")

    class Direction(models.TextChoices):
        UP = "up", _("増加が望ましい")
        DOWN = "down", _("減少が望ましい")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    # set for a program's activity and outcome indicators (the program runs in ``project``)
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name="事業",
    )
    slug = models.SlugField("識別子", max_length=80)
    kind = models.CharField("区分", max_length=20, choices=Kind.choices)
    name = models.CharField("指標名", max_length=200, blank=True)
    name_status = models.CharField(
        "名称の状態", max_length=20, choices=NameStatus.choices, default=NameStatus.PUBLISHED
    )
    name_note = models.TextField("名称についての注記", blank=True)
    unit = models.CharField("単位", max_length=20, blank=True)
    decimal_places = models.PositiveSmallIntegerField(
        "表示桁数（小数）",
        default=0,
        help_text="公表資料の書き方（75.0% なら 1）。値は6桁まで保持し、表示だけこの桁にそろえる",
    )
    direction = models.CharField(
        "方向", max_length=10, choices=Direction.choices, default=Direction.UP
    )
    method = models.CharField(
        "進捗率の算定方法",
        max_length=20,
        blank=True,
        choices=[(m.value, m.value) for m in Method],
        help_text="空欄なら評価区分（計画の設定）の既定の方法",
    )
    national_source = models.CharField("全国値の出典", max_length=300, blank=True)
    national_derived = models.BooleanField("全国値は公表進捗率からの逆算", default=False)
    baseline_value = models.DecimalField(
        "基準値", null=True, blank=True, max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES
    )
    baseline_fy = models.PositiveSmallIntegerField("基準年度", null=True, blank=True)
    target_kind = models.CharField(
        "目標の種類", max_length=30, choices=[(k.value, _(k.label_ja)) for k in TargetKind]
    )
    target_value = models.DecimalField(
        "目標値", null=True, blank=True, max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES
    )
    target_fy = models.PositiveSmallIntegerField("目標年度", null=True, blank=True)
    target_first_fy = models.PositiveSmallIntegerField("累計の開始年度", null=True, blank=True)
    actuals_cumulative = models.BooleanField(
        "実績値は累計で公表",
        default=False,
        help_text="累計目標で、各年度の実績値が累計値として公表されている場合",
    )
    is_main = models.BooleanField("主なKPIとして公表", default=False)
    published_grade = models.CharField("公表された進捗評価", max_length=10, blank=True)
    # Computed from the inputs above by chiiki.indicators.services.recompute (never typed in).
    grade = models.CharField("進捗評価", max_length=10, blank=True)
    grade_fy = models.PositiveSmallIntegerField("評価の年度", null=True, blank=True)
    grade_reason = models.CharField(
        "評価できない理由",
        max_length=30,
        blank=True,
        choices=[(r.value, _(r.label_ja)) for r in NotComputable],
    )
    grading_scheme = models.CharField("評価区分", max_length=30, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    predecessor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name="前の版の指標",
        help_text="計画の次の版に引き継いだ指標: 実績値の系列は版をまたいで読む",
    )
    version = models.PositiveIntegerField("版数", default=0)
    # An indicator with several series (target kind "series") has no figures of its own: each
    # series is an indicator of the same project naming it as parent, with its own targets
    # and actuals; the parent's grade follows from theirs by the scheme's series rule.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="series",
        verbose_name="系列をまとめる指標",
    )
    series_name = models.CharField("系列名", max_length=50, blank=True)

    objects = public_manager("project__plan__status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "指標"
        verbose_name_plural = verbose_name
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "slug"], name="indicator_slug_unique"),
            models.CheckConstraint(
                condition=~Q(target_kind__in=["absolute", "cumulative"])
                | Q(target_value__isnull=False),
                name="indicator_target_value_required",
            ),
            models.CheckConstraint(
                condition=~Q(target_kind="cumulative") | Q(target_first_fy__isnull=False),
                name="indicator_cumulative_range_required",
            ),
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(series_name=""))
                | (Q(parent__isnull=False) & ~Q(series_name="")),
                name="indicator_series_named",
            ),
            models.CheckConstraint(
                condition=(Q(program__isnull=True) & Q(kind__in=["numeric_goal", "kpi"]))
                | (Q(program__isnull=False) & Q(kind__in=["activity", "outcome"])),
                name="indicator_program_kinds",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def of_program(self) -> bool:
        """A program's activity or outcome indicator, not one of the plan's 数値目標・KPI."""
        return self.kind in PROGRAM_KINDS

    @property
    def display_name(self) -> str:
        name = self.name_for(self.name, self.name_status)
        return f"{name}（{self.series_name}）" if self.series_name else name

    @property
    def has_series(self) -> bool:
        """Graded from its series (小学校・中学校 …); it holds no figures of its own."""
        return self.target_kind == TargetKind.SERIES

    @staticmethod
    def name_for(name: str, name_status: str) -> str:
        """The name as shown: a placeholder where the source lost it."""
        return "（名称不明）" if name_status == Indicator.NameStatus.UNKNOWN else name

    @property
    def key(self) -> str:
        """``plan/project/indicator``: names the indicator across files (the data workbook,
        open data, the long CSV). Needs ``project__plan`` loaded to avoid queries."""
        return self.key_for(self.project.plan.slug, self.project.slug, self.slug)

    @staticmethod
    def key_for(plan_slug: str, project_slug: str, slug: str) -> str:
        return f"{plan_slug}/{project_slug}/{slug}"

    @property
    def target_spec_kind(self) -> TargetKind:
        return TargetKind(self.target_kind)


# The plan's own indicators (counted in progress reports, dashboards and grade tallies) and a
# program's (shown on its page and its 事務事業評価シート, graded the same way).
PLAN_KINDS = (Indicator.Kind.NUMERIC_GOAL, Indicator.Kind.KPI)
PROGRAM_KINDS = (Indicator.Kind.ACTIVITY, Indicator.Kind.OUTCOME)

# The indicators that take figures (actuals): all but those graded from their series.
HOLDS_FIGURES = ~Q(target_kind=TargetKind.SERIES)


class Contribution(models.Model):
    """A program declares that it contributes to an indicator of its project (a KPI or 数値目標),
    and on what assumption: the last link of its logic model (予算・決算 → 活動指標 → 成果指標 →
    KPI)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="contributions")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="contributions")
    assumption = models.CharField("想定する効果の経路", max_length=300)
    version = models.PositiveIntegerField("版数", default=0)

    objects = public_manager("indicator__project__plan__status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "事業の寄与"
        verbose_name_plural = verbose_name
        ordering = ["program", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["program", "indicator"], name="contribution_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.program} → {self.indicator}"


class IndicatorListing(models.Model):
    """An indicator printed in a second project's table as well (道産食品輸出額 is a 数値目標 of
    both 攻めの農・林・水産業 and アジアのHOKKAIDO). The indicator stays one: one series of
    actuals, one rate and grade, entered once; the listing only places it in the other table
    (decision 0008)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="listings")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="indicator_listings"
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)

    objects = public_manager("project__plan__status")
    with_drafts = AllEditions()

    class Meta:
        verbose_name = "他のプロジェクトへの掲載"
        verbose_name_plural = verbose_name
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "project"], name="listing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} → {self.project}"


class TargetRevision(models.Model):
    """A change of target (見直し), keeping the original value: the history is never lost.

    ``revised_fy`` is the fiscal year from whose actuals the revised target applies; earlier
    years stay judged against the target in force then. Empty (the published tables, which do
    not say) means every year, as those tables computed their rates."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="revisions")
    original_value = models.DecimalField(
        "見直し前の目標値", max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES
    )
    revised_value = models.DecimalField(
        "見直し後の目標値", max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES
    )
    target_fy = models.PositiveSmallIntegerField("目標年度", null=True, blank=True)
    revised_fy = models.PositiveSmallIntegerField(
        "適用開始年度",
        null=True,
        blank=True,
        help_text="この年度の実績値から見直し後の目標値で評価する。空欄なら全年度",
    )
    reason = models.TextField("理由", blank=True)
    decided_on = models.DateField("決定日", null=True, blank=True)
    decided_by = models.CharField("決定した機関", max_length=100, blank=True)
    order = models.PositiveSmallIntegerField("順序", default=0)

    class Meta:
        verbose_name = "目標の見直し"
        verbose_name_plural = verbose_name
        ordering = ["indicator", "order"]

    def __str__(self) -> str:
        return f"{self.original_value} → {self.revised_value}"

    @property
    def is_upward(self) -> bool:
        return self.revised_value > self.original_value


class YearTarget(models.Model):
    """A target for one fiscal year before the final one: an interim target (中間目標) or a
    yearly target (年度別目標値). The trajectory to the final target runs through them."""

    class Kind(models.TextChoices):
        INTERIM = "interim", _("中間目標")
        ANNUAL = "annual", _("年度別目標値")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="year_targets")
    fy = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("種類", max_length=10, choices=Kind.choices, default=Kind.INTERIM)
    value = models.DecimalField("目標値", max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES)

    class Meta:
        verbose_name = "年度の目標値"
        verbose_name_plural = verbose_name
        ordering = ["indicator", "fy"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "fy"], name="year_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.fy}: {self.value}"


MARKER_CHOICES = [("", _("値あり"))] + [(m.value, _(m.label_ja)) for m in Missing]


class Actual(models.Model):
    """The actual (実績値) of an indicator for one fiscal year, or why there is none.

    ``objects`` holds every row (the writer and the grader work on drafts too); ``published``
    leaves out a draft edition's, for the public reads (open data, the API)."""

    objects = models.Manager()
    published = public_manager("indicator__project__plan__status")

    # Both foreign keys go without an index of their own. The indicator's is the first column
    # of actual_unique, which serves every lookup by indicator. Nothing reads actuals by their
    # last editor (the audit trail answers who changed what); an index there would be updated
    # by every write and keep PostgreSQL from updating the row in place (HOT), which a
    # million-value import pays for in every other index too. A user is deactivated, not
    # deleted; deleting one scans the table once for PROTECT.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="actuals", db_index=False
    )
    fy = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField(
        "実績値", null=True, blank=True, max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES
    )
    marker = models.CharField("欠測の理由", max_length=2, choices=MARKER_CHOICES, blank=True)
    national_value = models.DecimalField(
        "全国値", null=True, blank=True, max_digits=FIGURE_DIGITS, decimal_places=FIGURE_PLACES
    )
    published_rate = models.DecimalField(
        "公表された進捗率（%）", max_digits=8, decimal_places=1, null=True, blank=True
    )
    # Computed (recompute): the rate as the scheme publishes it, or why there is none.
    rate = models.DecimalField(
        "進捗率（%）", max_digits=12, decimal_places=4, null=True, blank=True
    )
    # Optimistic concurrency: a save must name the version it was based on.
    version = models.PositiveIntegerField("版", default=0)
    updated_at = models.DateTimeField("更新日時", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="更新者",
        db_index=False,
    )
    rate_reason = models.CharField(
        "進捗率を計算できない理由",
        max_length=30,
        blank=True,
        choices=[(r.value, _(r.label_ja)) for r in NotComputable],
    )

    class Meta:
        verbose_name = "実績値"
        verbose_name_plural = verbose_name
        ordering = ["indicator", "fy"]
        # one year's figures across indicators (the dashboard's 未入力, a collection round)
        indexes = [models.Index(fields=["fy", "indicator"], name="actual_fy_indicator")]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "fy"], name="actual_unique"),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(marker=""))
                | (Q(value__isnull=True) & ~Q(marker="")),
                name="actual_value_xor_marker",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.indicator} {self.fy}: {self.value if self.value is not None else self.marker}"
        )

    @property
    def missing(self) -> Missing | None:
        return Missing(self.marker) if self.marker else None
