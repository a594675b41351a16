"""Write the example instances shipped beside this script (run: `python instances/generate.py`).

The files are kept, rather than built on demand, so that people can open, copy and
edit them; `tests/test_examples.py` checks that they still equal the generators.
"""

import json
from pathlib import Path

from allocator.examples import shipped
from allocator.model.instance import Instance

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Validate every example before writing it, so that no broken file is ever shipped."""
    for filename, data in shipped().items():
        Instance.model_validate(data)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        (HERE / filename).write_text(text, encoding="utf-8")
        print(f"wrote {HERE / filename}")


if __name__ == "__main__":
    main()
