"""The edits a reprint gets: cut short, padded with local paragraphs, reworded, teasers glued on."""

from __future__ import annotations

import random
import re

LOCAL_PARAGRAPHS = [
    "The ministry did not respond to a request for comment on Tuesday.",
    "Local officials said they were following the situation closely.",
    "Analysts said the decision could have wider consequences for the region.",
    "Additional reporting was provided by our correspondent.",
    "The story is developing and will be updated.",
]
SWAPS = {
    "said": "stated",
    "announced": "revealed",
    "government": "administration",
    "company": "firm",
    "officials": "authorities",
    "about": "around",
    "large": "big",
}


def edited_copy(paragraphs: list[str], others: list[str], rng: random.Random) -> str:
    """A reprint: cut, padded, reworded and with junk appended, each with some probability."""
    copy = list(paragraphs)
    if len(copy) > 4 and rng.random() < 0.6:  # cut short
        copy = copy[: max(3, int(len(copy) * rng.uniform(0.55, 0.9)))]
    if rng.random() < 0.5:  # padded with local paragraphs
        for _ in range(rng.randint(1, 2)):
            copy.insert(rng.randint(1, len(copy)), rng.choice(LOCAL_PARAGRAPHS))
    if rng.random() < 0.7:  # a few sentences reworded or dropped
        for i in rng.sample(range(len(copy)), k=min(len(copy), rng.randint(1, 3))):
            if rng.random() < 0.3:
                copy[i] = ""
            else:
                copy[i] = re.sub(
                    r"\b(" + "|".join(SWAPS) + r")\b", lambda m: SWAPS[m.group(1)], copy[i]
                )
    if rng.random() < 0.4:  # teasers of other stories glued on
        for teaser in rng.sample(others, k=2):  # one paragraph, cut off mid-sentence
            copy.append(" ".join(teaser.split())[: rng.randint(300, 700)].rstrip(" .") + " and")
    return "\n\n".join(p for p in copy if p)
