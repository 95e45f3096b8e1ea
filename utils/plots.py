"""Small, reusable figures: a token strip coloured by role, and probability bar charts.

Introduced in lesson 01 (the chat template taken apart, next-token distributions); lesson 02
reuses the token strip to show which tokens the SFT loss trains on.
"""

from __future__ import annotations

import matplotlib.pyplot as plt


def show_token(token: str) -> str:
    """A token as a reader should see it: spaces and newlines made visible."""
    return token.replace("\n", "\\n").replace(" ", "\u2423")  # ␣ marks a space


def draw_token_strip(tokens: list[str], groups: list[str], colors: dict[str, str], title: str, per_row: int = 12):
    """Draw tokens as boxes, wrapped into rows, each box coloured by its group (legend = groups)."""
    rows = (len(tokens) + per_row - 1) // per_row
    fig, ax = plt.subplots(figsize=(13, 0.55 * rows + 0.9))
    for i, (token, group) in enumerate(zip(tokens, groups)):
        x, y = i % per_row, -(i // per_row)
        ax.add_patch(plt.Rectangle((x + 0.03, y + 0.08), 0.94, 0.84, color=colors[group], alpha=0.85))
        ax.text(x + 0.5, y + 0.5, show_token(token)[:14], ha="center", va="center", fontsize=8, family="monospace")
    ax.set_xlim(0, per_row)
    ax.set_ylim(-rows + 1, 1)
    ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.85) for c in colors.values()]
    ax.legend(handles, list(colors), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(colors), frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def bar_probabilities(ax, labels: list[str], probs, title: str, color: str = "tab:blue"):
    """Horizontal bars of probabilities, most likely on top."""
    ax.barh(range(len(labels))[::-1], probs, color=color)
    ax.set_yticks(range(len(labels))[::-1], [f"'{show_token(t)}'" for t in labels], family="monospace")
    ax.set_xlabel("probability")
    ax.set_xlim(0, 1)
    ax.set_title(title)
    for y, p in zip(range(len(labels))[::-1], probs):
        ax.text(p + 0.01, y, f"{p:.2f}", va="center", fontsize=8)
