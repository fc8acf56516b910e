"""chiiki's API through a client generated from docs/openapi.json (docs/api.md).

    openapi-python-client generate --path docs/openapi.json --meta none --output-path chiiki_client
    CHIIKI_URL=http://127.0.0.1:8000 CHIIKI_TOKEN=chiiki_… python docs/examples/api_client.py

Reads the cooperation regions (no token needed), one KPI with its forecast, then records the
R5 (2023) actual of that KPI with a staff token — creating it with If-None-Match: *, or
correcting it with the version read (If-Match), as a browser form would.
"""

import os
import sys

from chiiki_client import AuthenticatedClient
from chiiki_client.api.indicators import get_actual, get_indicator, put_actual
from chiiki_client.api.plans import list_regions
from chiiki_client.models import ActualIn, Problem

base = os.environ.get("CHIIKI_URL", "http://127.0.0.1:8000") + "/api/v1"
client = AuthenticatedClient(base_url=base, token=os.environ["CHIIKI_TOKEN"])
KPI, FY = 26, 2023  # ゼロカーボンシティ表明市町村数, R5

regions = list_regions.sync(client=client)
print(f"{regions.count} regions:", "、".join(region.name for region in regions.items))

kpi = get_indicator.sync(KPI, client=client)
print(f"{kpi.name} ({kpi.unit}): target {kpi.target_value} in FY{kpi.target_fy}")
if kpi.forecast:
    print(f"  forecast for {kpi.forecast.fy}: {kpi.forecast.point} ({kpi.forecast.status})")

# The current version travels in the ETag header: send it back to correct, or create anew.
current = get_actual.sync_detailed(KPI, FY, client=client)
if current.status_code == 200:
    written = put_actual.sync_detailed(
        KPI, FY, client=client, body=ActualIn(value="12"), if_match=current.headers["etag"]
    )
else:
    written = put_actual.sync_detailed(
        KPI, FY, client=client, body=ActualIn(value="12"), if_none_match="*"
    )
if isinstance(written.parsed, Problem):
    sys.exit(f"refused ({written.status_code}): {written.parsed.message}")
actual = written.parsed
print(
    f"recorded {actual.fy_label}: {actual.value}{kpi.unit}, rate {actual.rate}%, version {actual.version}"
)
