"""A study's results: counts per question and cross-tabulations, with the statistics' small-cell
suppression (ecoute/stats/suppression.py) at the study's k (5 at least) when published."""

from collections import Counter

from django.db.models import Count

from ecoute.stats.suppression import suppress

from .models import Answer, Question, QuestionKind, Response, Study

NUMBER_BINS = 5


def _number_bins(question: Question) -> list[tuple[str, int, int]]:
    span = max(1, question.high - question.low + 1)
    width = max(1, -(-span // NUMBER_BINS))
    return [
        (f"{start}–{min(start + width - 1, question.high)}", start, min(start + width - 1, question.high))
        for start in range(question.low, question.high + 1, width)
    ]


def cells_of(question: Question) -> dict[str, int]:
    """How many responses gave each answer (every proposed answer listed, zeros included)."""
    answers = Answer.objects.filter(question=question)
    if question.kind == QuestionKind.NUMBER:
        counts = Counter()
        for label, low, high in _number_bins(question):
            counts[label] = answers.filter(number__gte=low, number__lte=high).count()
        return dict(counts)
    counted = dict(answers.values_list("choice").annotate(n=Count("id")).values_list("choice", "n"))
    return {option: counted.get(option, 0) for option in question.options}


def question_results(study: Study, k: int | None) -> list[dict]:
    """Per question: its cells, suppressed at K (None: staff see every count). Free text: only how many answered."""
    results = []
    for question in study.questions.all():
        if question.kind == QuestionKind.TEXT:
            answered = Answer.objects.filter(question=question).exclude(text="").count()
            results.append(
                {
                    "question": question,
                    "free_text": True,
                    "answered": answered if (k is None or answered >= k) else None,
                }
            )
            continue
        cells = cells_of(question)
        if k is None:
            rows = [{"label": label, "count": count} for label, count in cells.items()]
            results.append(
                {"question": question, "rows": rows, "hidden_total": None, "largest": _largest(rows)}
            )
            continue
        shown = suppress(cells, k)
        rows = [{"label": label, "count": shown.value(label)} for label in cells]
        results.append(
            {
                "question": question,
                "rows": rows,
                "hidden_total": shown.hidden_total,
                "any_hidden": bool(shown.hidden),
                "largest": _largest(rows),
            }
        )
    return results


def _largest(rows: list[dict]) -> int:
    """The scale of a question's bar chart: its largest count shown (a hidden cell draws no bar)."""
    return max((row["count"] for row in rows if row["count"]), default=0)


def suppress_table(cells: dict[tuple[str, str], int], k: int) -> set[tuple[str, str]]:
    """The cells of a two-way table to hide: each below K, then more until, in every row and every
    column, what is hidden adds up to K or more (the published one-way counts are the rows' and
    columns' sums: a lone hidden cell would be their difference)."""
    hidden = {key for key, count in cells.items() if 0 < count < k}
    lines = [[key for key in cells if key[0] == a] for a in {key[0] for key in cells}]
    lines += [[key for key in cells if key[1] == b] for b in {key[1] for key in cells}]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden_sum = sum(cells[key] for key in line if key in hidden)
            if 0 < hidden_sum < k:
                candidates = sorted((cells[key], key) for key in line if key not in hidden and cells[key] > 0)
                if candidates:
                    hidden.add(candidates[0][1])
                    changed = True
    return hidden


def crosstab(study: Study, row: Question, column: Question, k: int | None) -> dict:
    """Responses counted by the answers to two choice questions; published with suppress_table at K."""
    by_response: dict = {}
    for response_id, question_id, choice in Answer.objects.filter(question__in=[row, column]).values_list(
        "response_id", "question_id", "choice"
    ):
        by_response.setdefault(response_id, {}).setdefault(question_id, []).append(choice)
    cells = {(a, b): 0 for a in row.options for b in column.options}
    for answers in by_response.values():
        for a in answers.get(row.pk, []):
            for b in answers.get(column.pk, []):
                if (a, b) in cells:
                    cells[(a, b)] += 1
    hidden = suppress_table(cells, k) if k is not None else set()
    table = [
        {"label": a, "cells": [None if (a, b) in hidden else cells[(a, b)] for b in column.options]}
        for a in row.options
    ]
    return {"row": row, "column": column, "columns": column.options, "table": table}


def responses_count(study: Study, k: int | None) -> int | None:
    total = Response.objects.filter(study=study).count()
    return total if (k is None or total >= k or total == 0) else None
