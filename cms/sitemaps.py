"""The XML sitemap at /sitemap.xml, built on wagtail.contrib.sitemaps."""

from wagtail.contrib.sitemaps import Sitemap


class LocalizedSitemap(Sitemap):
    """Wagtail's sitemap, listing the pages of every language rather than only the default one."""

    def items(self):
        from cms.selectors import page_list_for_sitemap

        return page_list_for_sitemap(site=self.get_wagtail_site())
