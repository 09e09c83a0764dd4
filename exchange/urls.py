from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("members/", views.post_list, name="list"),
    path("members/posts/new/", views.post_new, name="post_new"),
    path("members/posts/<int:pk>/", views.post_detail, name="post"),
    path("members/posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("members/posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("members/posts/<int:pk>/comments/", views.comment, name="comment"),
    path("members/files/<int:pk>/", views.attachment_download, name="attachment"),
    path("members/notices/new/", views.notice_new, name="notice_new"),
    path("members/notices/<int:pk>/", views.notice_detail, name="notice"),
    path("members/digest/", views.preferences, name="preferences"),
    path("members/digest/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
