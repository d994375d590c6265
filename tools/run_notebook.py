"""Execute one notebook and save the executed copy (outputs included) elsewhere; print its wall time.

    GANS_EDU_PROFILE=cpu python tools/run_notebook.py book/00_toys.ipynb /tmp/out.ipynb [--images DIR]
"""

import argparse
import base64
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("notebook", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--images", type=Path, help="also write every PNG output here")
    args = p.parse_args()
    nb = nbformat.read(args.notebook, as_version=4)
    t0 = time.perf_counter()
    client = NotebookClient(nb, timeout=3600, kernel_name="python3",
                            resources={"metadata": {"path": str(args.notebook.parent)}})
    failed = None
    try:
        client.execute()
    except CellExecutionError as err:  # keep what ran, so the failing cell's output can be read
        failed = err
    print(f"{args.notebook}: {'FAILED' if failed else 'executed'} in {time.perf_counter() - t0:.1f} s")
    nbformat.write(nb, args.out)
    if args.images:
        args.images.mkdir(parents=True, exist_ok=True)
        k = 0
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                png = out.get("data", {}).get("image/png")
                if png:
                    (args.images / f"cell{i:02d}_{k}.png").write_bytes(base64.b64decode(png))
                    k += 1
    if failed:
        raise SystemExit(f"{failed}"[-3000:])


if __name__ == "__main__":
    main()
