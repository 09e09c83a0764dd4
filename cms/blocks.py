"""StreamField blocks shared by every content page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"), max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Level 2")), ("h3", _("Level 3"))], default="h2", label=_("level")
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "cms/blocks/heading_block.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"),
        required=False,
        max_length=250,
        help_text=_(
            "Describe the image for people who cannot see it. Leave empty if it is decorative."
        ),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image_block.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("link text"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "cms/blocks/document_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("quote"))
    attribution = blocks.CharBlock(label=_("attribution"), required=False, max_length=150)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "cms/blocks/quote_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"),
        features=["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"],
        template="cms/blocks/paragraph_block.html",
    )
    image = ImageBlock()
    video = EmbedBlock(
        label=_("Video"),
        help_text=_("A YouTube or Vimeo address"),
        template="cms/blocks/embed_block.html",
    )
    document = DocumentBlock()
    quote = QuoteBlock()


class PillarBlock(blocks.StructBlock):
    """One of the platform's three pillars (3つの柱) on the home page."""

    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.TextBlock(label=_("text"))
    link = blocks.PageChooserBlock(label=_("link"), required=False)

    class Meta:
        icon = "list-ul"
        label = _("Pillar")
        template = "cms/blocks/pillar_block.html"
