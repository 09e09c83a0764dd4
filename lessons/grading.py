"""Grading an understanding check: plain Python over the lesson's question blocks and the
answers as submitted (question block id -> chosen choice numbers)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


class AnswerError(ValueError):
    """The answers do not fit the questions (a tampered form); the message is for the person."""


@dataclass
class QuestionResult:
    block_id: str
    text: str
    chosen: list[int]
    correct_choices: list[int]
    is_correct: bool
    explanation: str
    choices: list[str] = field(default_factory=list)


@dataclass
class Grade:
    results: list[QuestionResult]
    score_percent: int
    passed: bool

    @property
    def correct_ids(self) -> list[str]:
        return [r.block_id for r in self.results if r.is_correct]


def questions(quiz) -> list[tuple[str, dict]]:
    """(block id, value) for every question of a lesson's quiz StreamField."""
    return [(block.id, block.value) for block in quiz if block.block_type == "question"]


def clean_answers(quiz, submitted: dict[str, list[str]]) -> dict[str, list[int]]:
    """Turn the form's values into choice numbers, refusing anything that is not one of the
    question's choices or more than one answer to a single-choice question."""
    known = dict(questions(quiz))
    unknown = set(submitted) - set(known)
    if unknown:
        raise AnswerError(_("The answers do not match this check. Please reload the page."))
    answers: dict[str, list[int]] = {}
    for block_id, question in known.items():
        raw = submitted.get(block_id, [])
        try:
            chosen = sorted({int(v) for v in raw})
        except (TypeError, ValueError):
            raise AnswerError(
                _("The answers do not match this check. Please reload the page.")
            ) from None
        if any(not 0 <= c < len(question["choices"]) for c in chosen):
            raise AnswerError(_("The answers do not match this check. Please reload the page."))
        if not chosen:
            raise AnswerError(_("Please answer every question."))
        if not question["multiple"] and len(chosen) > 1:
            raise AnswerError(_("Choose one answer for each single-choice question."))
        answers[block_id] = chosen
    return answers


def grade(quiz, answers: dict[str, list[int]], *, pass_percent: int) -> Grade:
    """A question is right when exactly the correct choices are chosen."""
    results = []
    for block_id, question in questions(quiz):
        correct = [i for i, choice in enumerate(question["choices"]) if choice["correct"]]
        chosen = answers.get(block_id, [])
        results.append(
            QuestionResult(
                block_id=block_id,
                text=question["text"],
                chosen=chosen,
                correct_choices=correct,
                is_correct=sorted(chosen) == correct,
                explanation=question["explanation"],
                choices=[c["text"] for c in question["choices"]],
            )
        )
    if not results:
        return Grade(results=[], score_percent=100, passed=True)
    score = math.floor(100 * sum(r.is_correct for r in results) / len(results))
    return Grade(results=results, score_percent=score, passed=score >= pass_percent)
