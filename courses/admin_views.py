"""Staff decide on enrolment requests for runs that need approval."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import services
from courses.models import Enrolment, EnrolmentStatus

can_decide = permission_required("courses.change_enrolment", raise_exception=True)


@can_decide
def pending_requests(request):
    requests_ = (
        Enrolment.objects.filter(status=EnrolmentStatus.PENDING)
        .select_related("user__profession", "user__municipality", "run__course")
        .order_by("created_at", "pk")
    )
    return TemplateResponse(
        request, "courses/admin/pending_requests.html", {"enrolments": requests_}
    )


@require_POST
@can_decide
def approve_request(request, enrolment_id: int):
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id)
    try:
        enrolment = services.enrolment_approve(enrolment=enrolment)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s")
            % {"name": enrolment.user.get_full_name(), "status": enrolment.get_status_display()},
        )
    return redirect("courses_pending_requests")


@require_POST
@can_decide
def reject_request(request, enrolment_id: int):
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id)
    try:
        services.enrolment_reject(enrolment=enrolment, reason=request.POST.get("reason", ""))
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("%(name)s was told the reason.") % {"name": enrolment.user.get_full_name()}
        )
    return redirect("courses_pending_requests")
