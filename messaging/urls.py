from django.urls import path, re_path

from messaging.views import BlockViewSet, MessageViewSet

app_name = "messaging"

messages = MessageViewSet.as_view({"get": "list", "post": "create"}, suffix="List")
sent = MessageViewSet.as_view({"get": "sent"}, suffix="List")
received = MessageViewSet.as_view({"get": "received"}, suffix="List")
blocks = BlockViewSet.as_view({"get": "list", "post": "create"}, suffix="List")
block_detail = BlockViewSet.as_view({"delete": "destroy"})

urlpatterns = [
    path("messages/", messages, name="message-list"),
    path("messages/sent/", sent, name="message-sent"),
    path("messages/received/", received, name="message-received"),
    path("blocks/", blocks, name="block-list"),
    path("blocks/<str:username>/", block_detail, name="block-detail"),
]

# The original project's routes, at the site root ("legacy" namespace). They answer
# with and without the trailing slash: a redirect would lose a POST's body.
legacy_urlpatterns = [
    re_path(r"^api/message/?$", messages, name="message"),
    re_path(r"^api/message/sent/?$", sent, name="message-sent"),
    re_path(r"^api/message/received/?$", received, name="message-received"),
    re_path(
        r"^api/block/?$",
        BlockViewSet.as_view({"post": "create"}, suffix="List"),
        name="block",
    ),
]
