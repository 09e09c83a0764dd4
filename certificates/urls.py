from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/verify/", views.verify, name="verify_form"),
    path("certificates/verify/<str:code>/", views.verify, name="verify"),
    path("certificates/<str:serial>/download/", views.download, name="download"),
]
