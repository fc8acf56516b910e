"""Labels that chiiki.core gives in Japanese, listed so the message catalogue carries them.

chiiki.core has no Django import, so its enums name things in Japanese only (``label_ja``). The web
layer shows those labels through ``gettext``; ``makemessages`` can only find strings written in
source, so each one is repeated here. A test checks this list against the enums and the grading
schemes, so a new label cannot be missed.
"""

from django.utils.translation import gettext_noop

CORE_LABELS = (
    # progress.NotComputable
    gettext_noop("実績値がまだありません"),
    gettext_noop("目標値がありません"),
    gettext_noop("その年度の全国値がありません"),
    gettext_noop("基準値がありません"),
    gettext_noop("目標値（または目標と基準値の差）が0のため計算できません"),
    gettext_noop("累計に必要な年度の実績値がそろっていません"),
    gettext_noop("累計の期間外の年度です"),
    gettext_noop("この年度の目標値（年度別目標値）がありません"),
    gettext_noop("比べる前年度の実績値（または全国値）がありません"),
    gettext_noop("系列がまだありません"),
    gettext_noop("系列ごとに評価しています"),
    gettext_noop("評価できない系列があります"),
    gettext_noop(
        "目標値または実績値が0以下のため、比率では計算できません（基準値からの伸びで計算する方法を使います）"
    ),
    # targets.TargetKind
    gettext_noop("目標値"),
    gettext_noop("全国水準"),
    gettext_noop("基準値より増加"),
    gettext_noop("現状値以上"),
    gettext_noop("累計"),
    gettext_noop("前年度を上回る"),
    gettext_noop("国の伸び率を上回る"),
    gettext_noop("系列ごとに設定"),
    # series.SeriesRule
    gettext_noop("最も低い系列の評価"),
    gettext_noop("すべての系列が達成して達成"),
    gettext_noop("系列の進捗率の平均で評価"),
    gettext_noop("系列ごとに評価"),
    # numbers.Missing
    gettext_noop("未公表"),
    gettext_noop("該当なし・調査なし"),
    # forecast.Status
    gettext_noop("達成見込み"),
    gettext_noop("要注意"),
    gettext_noop("達成困難"),
    # forecast.NOTE_NATIONAL_TARGET, forecast.NOTE_NO_SPREAD
    gettext_noop(
        "実績値がちょうど一直線に並んでいるため、予測の幅（不確かさ）を見積もれません。"
        "予測値は参考にとどめ、達成見込みは判定しません"
    ),
    gettext_noop("目標が将来の全国値のため、達成見込みは判定しません"),
    # (a grading scheme carries its own labels in both languages: label_en, not_assessable_en)
)
