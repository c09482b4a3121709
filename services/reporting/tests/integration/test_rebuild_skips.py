"""The rebuild's ``skipped`` counts real poison only, not events no projection handles.

inquiry.received goes on intake's topic with its personal fields sealed (an object where the
model wants a string); the live consumers unseal before parsing and have no projection for it
anyway. The rebuild must not count it as poison, while a case.opened whose data does not fit
its model is poison (dead-lettered live) and is counted.
"""

from dataclasses import replace

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from reporting_support import Reporting, Script, produce, reporting_env, run_rebuild

from hoppid.contracts import intake as ev
from hoppid.shared.envelope import Envelope
from hoppid.shared.pii import SEALED, encrypt_field


def sealed(envelope: Envelope, person: str) -> Envelope:
    """As intake's vault seals it (hoppid.shared.pii.PersonalDataVault.seal)."""
    key = AESGCM.generate_key(bit_length=256)
    data = dict(envelope.data)
    for name in ev.InquiryReceived.pii_fields():
        context = f"{envelope.type}|{name}|{person}"
        data[name] = {SEALED: encrypt_field(key, data[name], context), "person": person}
    return replace(envelope, data=data)


async def test_rebuild_skips_only_poison(reporting: Reporting, unique: str) -> None:
    s = Script()
    received = [
        sealed(s.received(f"case-{n}", f"person-{n}", "molde", "1506"), f"person-{n}")
        for n in range(3)
    ]
    opened = [
        s.opened(f"case-{n}", f"person-{n}", "molde", "1506", "2026-10-01T10:00") for n in range(3)
    ]
    poison = s.opened("case-p", "person-p", "molde", "1506", "2026-10-01T10:00")
    poison = replace(poison, data={**poison.data, "opened_at": "not a time"})
    await produce(reporting.intake_topic, [*received, *opened, poison])

    outcome = (await run_rebuild(reporting_env(reporting.prefix, unique)))["rebuilt"]
    assert (outcome["events"], outcome["skipped"]) == (6, 1)
    [county] = await reporting.get("/v1/figures", period="2026-10")
    assert county["inquiries"] == 3
    assert outcome["documents"] > 0 and outcome["peak_rss_mib"] > 0
