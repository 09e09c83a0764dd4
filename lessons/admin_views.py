"""Staff see a run's progress in the online lessons: per participant, each lesson done and the
best check score; per check, how many got each question right (the hardest first named)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from courses.models import CourseRun
from lessons import selectors


@permission_required("lessons.view_lessonprogress", raise_exception=True)
def run_progress(request, run_id: int):
    run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
    return TemplateResponse(
        request, "lessons/admin/run_progress.html", selectors.run_progress(run=run)
    )
