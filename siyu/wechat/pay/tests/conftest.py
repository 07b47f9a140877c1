import pytest

from siyu.members.models import CustomerIdentity, IdentityKind
from siyu.testing.clients import log_in
from siyu.testing.wechat_pay import Outbox, PayWorld, django_sender, make_account, served


@pytest.fixture
def pay(settings, merchant, client):
    """A fake WeChat Pay on real HTTP whose callbacks reach Siyu through the test client at once."""
    with served(settings, sender=django_sender(client)) as (fake, app, base):
        yield PayWorld(fake=fake, app=app, base_url=base, account=make_account(merchant, fake))


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def sandbox_pay(settings, merchant, outbox):
    """The merchant's pay account is a sandbox one; callbacks wait in ``outbox`` for the test thread."""
    with served(settings, sender=outbox) as (fake, app, base):
        yield PayWorld(fake=fake, app=app, base_url=base, account=make_account(merchant, fake, sandbox=True))


@pytest.fixture
def wechat_customer(customer):
    """The customer, known by their official-account openid (they opened the shop in WeChat)."""
    CustomerIdentity.objects.create(
        merchant_id=customer.merchant_id,
        customer=customer,
        kind=IdentityKind.OA_OPENID,
        value="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    )
    return customer


@pytest.fixture
def console(owner):
    """The owner's console session (English)."""
    return log_in(owner)


@pytest.fixture
def console_as(make_staff):
    def make(role: str):
        staff = make_staff(role)
        return log_in(staff), staff

    return make
