"""Regenerate the bundled EC2 price snapshot from the shared price file.

Usage: ``python scripts/derive_price_snapshot.py [SOURCE] [DEST]``. SOURCE defaults to
``../shared/data/ec2-on-demand-prices.json`` beside the repository, DEST to
``ucdh_jupyter/compute/data/ec2-prices.json``. The snapshot keeps the source's provenance
and date, drops anything that is not a positive USD price for a well-formed type name,
and writes one price per line so that a refresh reads as a small diff.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "ec2-on-demand-prices.json"
DEST = ROOT / "ucdh_jupyter" / "compute" / "data" / "ec2-prices.json"
TYPE_NAME = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")


def derive(raw: dict) -> dict:
    """The compact snapshot: source, date, and per region {type: USD per hour}."""
    regions = {}
    for region, prices in sorted(raw["regions"].items()):
        regions[region] = {
            name: round(float(price), 6)
            for name, price in sorted(prices.items())
            if TYPE_NAME.match(name) and isinstance(price, (int, float)) and price > 0
        }
    return {
        "source": raw["source"],
        "as_of": raw["snapshot_generated_at"],
        "currency": "USD",
        "unit": "on-demand Linux, shared tenancy, per instance-hour",
        "regions": regions,
    }


def main(argv: list[str]) -> int:
    """Read SOURCE, write DEST, print a one-line summary."""
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    dest = Path(argv[2]) if len(argv) > 2 else DEST
    snapshot = derive(json.loads(source.read_text()))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(snapshot, indent=0, separators=(",", ":")) + "\n")
    counts = ", ".join(f"{r} {len(p)}" for r, p in snapshot["regions"].items())
    print(f"{dest}: as of {snapshot['as_of']}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
