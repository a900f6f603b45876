"""Each view module lists its own URL patterns (they are built by different hands)."""

from .views.pay import urlpatterns as pay
from .views.receipts import urlpatterns as receipts
from .views.settlement import urlpatterns as settlement

app_name = "payments"
urlpatterns = [*pay, *receipts, *settlement]
