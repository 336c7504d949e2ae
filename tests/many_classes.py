"""A report with many classes: 77 banking77-like class names (long ones) and fixed figures with a
few heavy confusions, built with compute_metrics (no model)."""

from __future__ import annotations

NAMES = """activate_my_card age_limit apple_pay_or_google_pay atm_support automatic_top_up balance_not_updated_after_bank_transfer
balance_not_updated_after_cheque_or_cash_deposit beneficiary_not_allowed cancel_transfer card_about_to_expire card_acceptance card_arrival
card_delivery_estimate card_linking card_not_working card_payment_fee_charged card_payment_not_recognised card_payment_wrong_exchange_rate
card_swallowed cash_withdrawal_charge cash_withdrawal_not_recognised change_pin compromised_card contactless_not_working country_support
declined_card_payment declined_cash_withdrawal declined_transfer direct_debit_payment_not_recognised disposable_card_limits edit_personal_details
exchange_charge exchange_rate exchange_via_app extra_charge_on_statement failed_transfer fiat_currency_support get_disposable_virtual_card
get_physical_card getting_spare_card getting_virtual_card lost_or_stolen_card lost_or_stolen_phone order_physical_card passcode_forgotten
pending_card_payment pending_cash_withdrawal pending_top_up pending_transfer pin_blocked receiving_money Refund_not_showing_up request_refund
reverted_card_payment? supported_cards_and_currencies terminate_account top_up_by_bank_transfer_charge top_up_by_card_charge
top_up_by_cash_or_cheque top_up_failed top_up_limits top_up_reverted topping_up_by_card transaction_charged_twice transfer_fee_charged
transfer_into_account transfer_not_received_by_recipient transfer_timing unable_to_verify_identity verify_my_identity verify_source_of_funds
verify_top_up virtual_card_not_working visa_or_mastercard why_verify_identity wrong_amount_of_cash_received wrong_exchange_rate_for_cash_withdrawal""".split()
assert len(NAMES) == 77

CARD_ARRIVAL, CARD_DELIVERY = NAMES.index("card_arrival"), NAMES.index("card_delivery_estimate")
LOST_CARD, LOST_PHONE = NAMES.index("lost_or_stolen_card"), NAMES.index("lost_or_stolen_phone")


def many_gold_preds() -> tuple[list[int], list[int | None]]:
    """10 examples a class, right but for: class c (c % 5 == 1) taken once for class c + 1, and
    so card_arrival taken for card_delivery_estimate 7 times in all, lost_or_stolen_card for
    lost_or_stolen_phone 5 times, and one invalid answer for class 0."""
    gold: list[int] = []
    preds: list[int | None] = []
    for c in range(len(NAMES)):
        for i in range(10):
            gold.append(c)
            p: int | None = c
            if c == CARD_ARRIVAL and i < 6:
                p = CARD_DELIVERY
            elif c == LOST_CARD and i < 4:
                p = LOST_PHONE
            elif c == 0 and i == 0:
                p = None
            elif c % 5 == 1 and i == 9:
                p = (c + 1) % len(NAMES)
            preds.append(p)
    return gold, preds


def many_report_dict(run_id: str = "c" * 12 + "0" * 52) -> dict:
    from workbench.metrics import compute_metrics

    gold, preds = many_gold_preds()
    return {
        "run_id": run_id, "method": "label-words", "model": "label-words-model", "dataset": "banking-like", "split": "test",
        **compute_metrics(gold, preds, NAMES),
        "timing": {"load_s": 0.5, "fit_s": 0.25, "predict_s": 1.5, "examples_per_s": 513.3},
        "device": "cpu", "dtype": "float32", "batch_size": 32, "status": "done", "params": {}, "details": {},
        "notes": ["3 texts were longer than the model reads: 256 tokens (254 for text), and were truncated"],
        "created_at": 1_700_000_000,
    }  # fmt: skip


MANY_ID = "c" * 12 + "0" * 52


def seed_many(store) -> str:
    """The 77-class run stored with fixed figures and dates (and its predictions, no scores)."""
    from dataclasses import asdict

    from workbench.data import DataSpec
    from workbench.methods import Prediction
    from workbench.spec import RunSpec

    gold, preds = many_gold_preds()
    spec = RunSpec(DataSpec("banking-like"), "label-words", model="label-words-model", params={})
    config = {"spec": asdict(spec), "model_location": "label-words-model", "params": {}}
    store.start_run(MANY_ID, method="label-words", model="label-words-model", dataset="banking-like", split="test", n=len(gold), config=config)
    rows = [
        (i, f"a question about {NAMES[g].replace('_', ' ')} number {i % 10}", g, Prediction(p, None, raw="no label word" if p is None else None))
        for i, (g, p) in enumerate(zip(gold, preds))
    ]
    store.add_predictions(MANY_ID, rows)
    report = many_report_dict(MANY_ID)
    store.finish_run(MANY_ID, "done", report)
    with store._lock, store._db:  # fixed dates for the history table
        store._db.execute("UPDATE runs SET created_at = ?, finished_at = ? WHERE run_id = ?", (report["created_at"], report["created_at"] + 2, MANY_ID))
    return MANY_ID
