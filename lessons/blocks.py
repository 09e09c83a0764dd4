"""StreamField blocks of a lesson: the content blocks of every page plus an uploaded video
with captions, and the understanding check's questions."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock

from cms.blocks import BaseStreamBlock


class VideoFileBlock(blocks.StructBlock):
    """A video file uploaded as a document, played by the browser with its captions (WebVTT):
    reaching the end is recorded."""

    video = DocumentChooserBlock(label=_("video file (MP4 or WebM)"))
    captions = DocumentChooserBlock(label=_("captions (WebVTT, Japanese)"), required=False)
    transcript = blocks.TextBlock(label=_("transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("Video file")
        template = "lessons/blocks/video_file.html"


class LessonStreamBlock(BaseStreamBlock):
    video_file = VideoFileBlock()


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("choice"), max_length=200)
    correct = blocks.BooleanBlock(label=_("correct"), required=False)


class QuestionBlock(blocks.StructBlock):
    """One question: single choice (one correct answer) or multiple choice (tick every correct
    one); the explanation is shown after answering."""

    text = blocks.TextBlock(label=_("question"))
    multiple = blocks.BooleanBlock(
        label=_("several answers can be correct (tick all that apply)"), required=False
    )
    choices = blocks.ListBlock(ChoiceBlock(), label=_("choices"), min_num=2, max_num=8)
    explanation = blocks.TextBlock(label=_("explanation shown after answering"), required=False)

    class Meta:
        icon = "help"
        label = _("Question")
