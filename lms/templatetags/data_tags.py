"""The readable version of "download my data": labels for the export's keys, and a way for
the template to tell sections, lists and single values apart."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "account": _("Account"),
    "activity": _("Activity"),
    "age_band": _("Age"),
    "applied_at": _("Applied at"),
    "at": _("When"),
    "attendance": _("Attendance"),
    "availability": _("When you can help"),
    "breakout_group": _("Breakout group"),
    "certificates": _("Certificates"),
    "checked_in_at": _("Checked in at"),
    "completed_at": _("Completed at"),
    "completion": _("Completion"),
    "consent": _("Consent"),
    "coordinator": _("Coordinator"),
    "course": _("Course"),
    "created_at": _("Created at"),
    "date": _("Date"),
    "date_joined": _("Registered on"),
    "daytime": _("Daytime"),
    "email": _("Email address"),
    "email_addresses": _("Email addresses"),
    "emails_sent_to_you": _("Emails sent to you"),
    "enrolments": _("Courses"),
    "entered_by_staff": _("Entered by staff"),
    "evening": _("Evening"),
    "evidence": _("How it was recorded"),
    "fields": _("Fields"),
    "frequency": _("How often"),
    "from": _("From"),
    "full_name": _("Full name"),
    "full_name_kana": _("Full name in kana"),
    "given_at": _("Given at"),
    "heard_from": _("How you heard of us"),
    "holder_name": _("Name on the certificate"),
    "insurance": _("Volunteer activity insurance"),
    "issued_at": _("Issued at"),
    "last_login": _("Last signed in"),
    "minutes": _("Minutes"),
    "motivation": _("Why you want to volunteer"),
    "municipality": _("Municipality"),
    "nominated_at": _("Nominated at"),
    "nominations_as_leader": _("Nominations as a leader"),
    "note": _("Note"),
    "on_paper": _("On paper"),
    "organisation": _("Organisation"),
    "organisation_group": _("Kind of organisation"),
    "organisation_name": _("Organisation"),
    "phone": _("Phone"),
    "preferred_language": _("Language"),
    "primary": _("Primary"),
    "privacy_consented_at": _("Agreed at"),
    "privacy_policy_version": _("Privacy policy version"),
    "profession": _("Profession"),
    "purpose_version": _("Purpose of use (version)"),
    "reason": _("Reason"),
    "reason_given": _("Reason given"),
    "reflection": _("Reflection"),
    "reserved_seat": _("Reserved seat"),
    "roles": _("Roles"),
    "run": _("Run"),
    "serial": _("Serial number"),
    "session": _("Session"),
    "skills": _("Skills and experience"),
    "stage": _("Stage"),
    "stage_history": _("Stage history"),
    "staff_notes": _("Staff notes"),
    "starts_at": _("Starts at"),
    "status": _("Status"),
    "subject": _("Subject"),
    "to": _("To"),
    "verified": _("Confirmed"),
    "volunteer": _("Volunteering"),
    "volunteering_hours": _("Volunteering hours"),
    "weekdays": _("Weekdays"),
    "weekends": _("Weekends and holidays"),
    "written_at": _("Written at"),
    # Mentoring (issue #8)
    "mentoring": _("Mentoring"),
    "role": _("Role"),
    "with": _("With"),
    "goals": _("Goals"),
    "sessions": _("Sessions"),
    "next_steps": _("Next steps"),
    "notes": _("Notes"),
    "your_load": _("Your own load"),
    "change_requests": _("Requests for another mentor"),
    # Reflections and surveys (issue #11)
    "reflection_answers": _("Reflection sheet"),
    "reflection_feedback": _("Feedback on the reflection"),
    "question": _("Question"),
    "answer": _("Answer"),
    "surveys": _("Surveys"),
    "survey": _("Survey"),
    "invited_at": _("Invited at"),
    "answered_at": _("Answered at"),
    "survey_answers_with_your_name": _("Survey answers given with your name"),
    # Volunteer opportunities (issue #12)
    "volunteer_opportunities": _("Volunteer opportunities"),
    "opportunity": _("Opportunity"),
    "message": _("Message"),
    "decided_at": _("Decided at"),
    "note_from_the_organisation": _("Note from the organisation"),
    "hours_logged": _("Hours logged"),
    "what": _("What you did"),
    # The members' exchange
    "members_exchange": _("Members' exchange"),
    "posts": _("Posts"),
    "comments": _("Comments"),
    "kind": _("Kind"),
    "title": _("Title"),
    "text": _("Text"),
    "link": _("Link"),
    "attachments": _("Attached files"),
    "posted_at": _("Posted at"),
    "hidden_by_the_secretariat": _("Hidden by the secretariat"),
    "on": _("On the post"),
    "weekly_digest": _("Weekly email"),
}


@register.filter
def data_label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " "))


@register.filter
def data_kind(value) -> str:
    if isinstance(value, dict):
        return "section"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "records"
    if isinstance(value, list):
        return "values"
    return "value"
