"""Inputs for the loader fuzzing run (:mod:`benchmarks.cases.fuzz`): one generator per file
layout a loader reads, random rows with hostile cells mixed in, and a byte and line mutator."""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from engine.core import schema

HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    "Robert'); DROP TABLE t;--",
    "MATCH (n) DETACH DELETE n",
    "<script>x</script>",
    "\x00",
    "a\nb",
    '"',
    "x" * 5000,
    "\u202e\u200b",
    "1e309",
    "-0",
    "NaN",
    "inf",
    "9" * 40,
    "2024-13-45",
    "0000-00-00",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59+14:00",
    "",
    " ",
    "ÄÖÜ漢字🙂",
]
NOISE = [b",", b";", b"\t", b"\n", b"\r\n", b'"', b"'", b"<", b">", b"&", b"&amp;", b"\x00",
         b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"=cmd|", b"-1e999", b"nan", b"</a>", b"<a>",
         b"<![CDATA[x]]>", b"<!--", b"&#0;", b"&#x110000;", b"{", b"}", b"[", b"]", b"null"]  # fmt: skip


def _cell(rng: random.Random, good: str) -> str:
    return rng.choice(HOSTILE) if rng.random() < 0.08 else good


def _csv(header: list[str], rows: list[list[str]], rng: random.Random) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(header)
    writer.writerows(rows)
    encoding = "latin-1" if rng.random() < 0.05 else "utf-8"
    return out.getvalue().encode(encoding, errors="replace")


def _ts(rng: random.Random) -> str:
    return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"


def _amount(rng: random.Random) -> str:
    return f"{rng.lognormvariate(5, 2):.2f}"


def gen_canonical_rows(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    header = ["tx_id", "ts", "src_account", "dst_account", "amount", "currency", "channel",
              "reference"]  # fmt: skip
    rows = [
        [
            _cell(rng, f"t{i}"),
            _cell(rng, _ts(rng)),
            _cell(rng, f"A{rng.randint(0, 20)}"),
            _cell(rng, f"A{rng.randint(0, 20)}"),
            _cell(rng, _amount(rng)),
            _cell(rng, rng.choice(["EUR", "USD", "GBP", "TRY"])),
            _cell(rng, rng.choice(schema.CHANNELS)),
            _cell(rng, "ref"),
        ]
        for i in range(rng.randint(0, 30))
    ]
    return header, rows


def gen_canonical_csv(rng: random.Random) -> bytes:
    return _csv(*gen_canonical_rows(rng), rng)


def gen_canonical_jsonl(rng: random.Random) -> bytes:
    import json

    header, rows = gen_canonical_rows(rng)
    lines = []
    for row in rows:
        record: dict[str, object] = dict(zip(header, row, strict=True))
        if rng.random() < 0.3:
            with contextlib.suppress(ValueError):
                record["amount"] = float(str(record["amount"]))
        lines.append(json.dumps(record, ensure_ascii=rng.random() < 0.5))
    return ("\n".join(lines) + "\n").encode()


def gen_parquet(rng: random.Random, header: list[str], rows: list[list[str]]) -> bytes:
    columns: dict[str, pa.Array] = {}
    for j, name in enumerate(header):
        values = [r[j] for r in rows]
        choice = rng.random()
        if choice < 0.1:
            continue  # column dropped
        if choice < 0.2:
            columns[name] = pa.nulls(len(rows), pa.string())
        elif choice < 0.35:
            numbers = []
            for v in values:
                try:
                    numbers.append(float(v))
                except ValueError:
                    numbers.append(None)
            columns[name] = pa.array(numbers, pa.float64())
        elif choice < 0.4:
            columns[name] = pa.array([[v] for v in values], pa.list_(pa.string()))
        elif choice < 0.45:
            columns[name] = pa.array([v.encode() for v in values], pa.binary())
        else:
            columns[name] = pa.array(values, pa.string())
    if rng.random() < 0.2:
        columns["ts"] = pa.array([rng.randint(-(2**62), 2**62) for _ in rows], pa.int64())
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns) if columns else pa.table({"x": pa.nulls(0)}), buffer)
    return buffer.getvalue()


def gen_canonical_parquet(rng: random.Random) -> bytes:
    return gen_parquet(rng, *gen_canonical_rows(rng))


def gen_travel_csv(rng: random.Random) -> bytes:
    header = ["record_id", "traveller_name", "traveller_birth_date", "traveller_document",
              "carrier", "route_number", "origin", "destination", "departure", "booking_ref",
              "payer_account"]  # fmt: skip
    rows = [
        [
            _cell(rng, f"r{i}"),
            _cell(rng, rng.choice(["Amal Haddad", "Omar Said", "Li Wei"])),
            _cell(rng, f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"),
            _cell(rng, f"P{rng.randint(1000, 9999)}"),
            _cell(rng, "TK"),
            _cell(rng, f"TK{rng.randint(100, 999)}"),
            _cell(rng, rng.choice(["IST", "ATH", "TIP", "MLA"])),
            _cell(rng, rng.choice(["FCO", "BER", "CDG"])),
            _cell(rng, _ts(rng)),
            _cell(rng, f"B{i}"),
            _cell(rng, f"A{rng.randint(0, 20)}"),
        ]
        for i in range(rng.randint(0, 20))
    ]
    return _csv(header, rows, rng)


def gen_kyc_csv(rng: random.Random) -> bytes:
    header = ["party_id", "kind", "name", "birth_date", "nationality", "id_document_number",
              "phone", "email", "address", "country"]  # fmt: skip
    rows = [
        [
            _cell(rng, f"p{i}"),
            _cell(rng, rng.choice(["person", "organisation"])),
            _cell(rng, "Nadia Karim"),
            _cell(rng, "1980-05-06"),
            _cell(rng, "SY"),
            _cell(rng, f"P{rng.randint(1000, 9999)}"),
            _cell(rng, "+30 690 000 0001"),
            _cell(rng, "n@example.org"),
            _cell(rng, "1 Main St"),
            _cell(rng, "GR"),
        ]
        for i in range(rng.randint(0, 20))
    ]
    return _csv(header, rows, rng)


def gen_bank_export(rng: random.Random) -> bytes:
    header = ["date", "from", "to", "amount", "currency"]
    rows = [
        [
            _cell(rng, _ts(rng)[:10]),
            _cell(rng, f"A{rng.randint(0, 9)}"),
            _cell(rng, f"B{rng.randint(0, 9)}"),
            _cell(rng, _amount(rng)),
            _cell(rng, "EUR"),
        ]
        for _ in range(rng.randint(0, 20))
    ]
    return _csv(header, rows, rng)


def gen_amlworld(rng: random.Random) -> bytes:
    header = ["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received",
              "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format",
              "Is Laundering"]  # fmt: skip
    rows = []
    for _ in range(rng.randint(0, 20)):
        amount = _amount(rng)
        rows.append(
            [
                _cell(rng, f"2022/09/{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:15"),
                _cell(rng, str(rng.randint(1, 99))),
                _cell(rng, f"{rng.randint(0, 2**40):X}"),
                _cell(rng, str(rng.randint(1, 99))),
                _cell(rng, f"{rng.randint(0, 2**40):X}"),
                _cell(rng, amount),
                _cell(rng, "US Dollar"),
                _cell(rng, amount),
                _cell(rng, "US Dollar"),
                _cell(rng, rng.choice(["Cash", "Wire", "ACH", "Cheque", "Credit Card"])),
                _cell(rng, rng.choice(["0", "1"])),
            ]
        )
    return _csv(header, rows, rng)


def gen_samld(rng: random.Random) -> bytes:
    header = ["Time", "Date", "Sender_account", "Receiver_account", "Amount", "Payment_currency",
              "Received_currency", "Sender_bank_location", "Receiver_bank_location",
              "Payment_type", "Is_laundering", "Laundering_type"]  # fmt: skip
    rows = [
        [
            _cell(rng, f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"),
            _cell(rng, _ts(rng)[:10]),
            _cell(rng, str(rng.randint(10**9, 10**10))),
            _cell(rng, str(rng.randint(10**9, 10**10))),
            _cell(rng, _amount(rng)),
            _cell(rng, "UK pounds"),
            _cell(rng, "UK pounds"),
            _cell(rng, "UK"),
            _cell(rng, "Morocco"),
            _cell(rng, rng.choice(["Cash Deposit", "Cross-border", "Debit card"])),
            _cell(rng, rng.choice(["0", "1"])),
            _cell(rng, "Normal_Small_Fan_Out"),
        ]
        for _ in range(rng.randint(0, 20))
    ]
    return _csv(header, rows, rng)


def gen_amlsim(rng: random.Random) -> bytes:
    header = ["tran_id", "orig_acct", "bene_acct", "tx_type", "base_amt", "tran_timestamp",
              "is_sar", "alert_id"]  # fmt: skip
    rows = [
        [
            _cell(rng, str(i)),
            _cell(rng, str(rng.randint(0, 50))),
            _cell(rng, str(rng.randint(0, 50))),
            _cell(rng, "TRANSFER"),
            _cell(rng, _amount(rng)),
            _cell(rng, _ts(rng)),
            _cell(rng, rng.choice(["True", "False"])),
            _cell(rng, str(rng.randint(-1, 5))),
        ]
        for i in range(rng.randint(0, 20))
    ]
    return _csv(header, rows, rng)


def gen_amlgentex(rng: random.Random) -> bytes:
    header = ["step", "type", "amount", "nameOrig", "nameDest", "bankOrig", "bankDest", "isSAR",
              "patternID", "modelType"]  # fmt: skip
    rows = [
        [
            _cell(rng, str(rng.randint(0, 365))),
            _cell(rng, "TRANSFER"),
            _cell(rng, _amount(rng)),
            _cell(rng, str(rng.randint(0, 50))),
            _cell(rng, str(rng.randint(0, 50))),
            _cell(rng, "bank"),
            _cell(rng, "bank"),
            _cell(rng, rng.choice(["0", "1"])),
            _cell(rng, str(rng.randint(-1, 5))),
            _cell(rng, str(rng.randint(0, 3))),
        ]
        for _ in range(rng.randint(0, 20))
    ]
    return gen_parquet(rng, header, rows)


def _x(rng: random.Random, good: str) -> str:
    """An XML text value: usually ``good``, sometimes hostile (escaped: still well-formed)."""
    from xml.sax.saxutils import escape

    value = _cell(rng, good).replace("\x00", "")
    return escape(value)


def gen_goaml(rng: random.Random) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<report>',
             f"<rentity_id>{_x(rng, '1234')}</rentity_id><report_code>STR</report_code>",
             "<currency_code_local>EUR</currency_code_local>"]  # fmt: skip
    for i in range(rng.randint(0, 8)):
        person = (
            f"<from_person><first_name>{_x(rng, 'Omar')}</first_name>"
            f"<last_name>{_x(rng, 'Haddad')}</last_name>"
            f"<birthdate>{_x(rng, '1985-02-03T00:00:00')}</birthdate>"
            f"<passport_number>{_x(rng, 'P1234567')}</passport_number>"
            f"<nationality1>{_x(rng, 'SY')}</nationality1></from_person>"
        )
        account = (
            f"<to_account><institution_name>{_x(rng, 'Bank')}</institution_name>"
            f"<account>{_x(rng, str(rng.randint(0, 99)))}</account>"
            f"<iban>{_x(rng, 'GR1601101250000000012300695')}</iban>"
            "<signatory><t_person><first_name>Nikos</first_name><last_name>Papas</last_name>"
            "</t_person></signatory></to_account>"
        )
        routing = (
            "<means_of_transport><transport_mode>air</transport_mode><carrier>TK</carrier>"
            f"<route_number>{_x(rng, 'TK1845')}</route_number>"
            "<t_person><first_name>Amal</first_name><last_name>Haddad</last_name></t_person>"
            f"<routing><step>1</step><place>IST</place><date>{_x(rng, '2024-03-02T10:00:00')}"
            "</date></routing></means_of_transport>"
            if rng.random() < 0.3
            else ""
        )
        parts.append(
            f"<transaction><transactionnumber>{_x(rng, f'GT-{i}')}</transactionnumber>"
            f"<date_transaction>{_x(rng, _ts(rng)[:19])}</date_transaction>"
            f"<transmode_code>{_x(rng, rng.choice(['cash', 'wire', 'K']))}</transmode_code>"
            f"<amount_local>{_x(rng, _amount(rng))}</amount_local>"
            f"<t_from>{person}<from_country>GR</from_country></t_from>"
            f"<t_to_my_client>{account}<to_country>GR</to_country></t_to_my_client>"
            f"{routing}</transaction>"
        )
    parts.append("</report>\n")
    return "".join(parts).encode()


def gen_camt053(rng: random.Random) -> bytes:
    entries = []
    for i in range(rng.randint(0, 8)):
        side = rng.choice(["CRDT", "DBIT"])
        entries.append(
            f'<Ntry><Amt Ccy="{_x(rng, "EUR")}">{_x(rng, _amount(rng))}</Amt>'
            f"<CdtDbtInd>{side}</CdtDbtInd><BookgDt><Dt>{_x(rng, _ts(rng)[:10])}</Dt></BookgDt>"
            f"<AcctSvcrRef>{_x(rng, f'REF-{i}')}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<Refs><EndToEndId>{_x(rng, f'E2E-{i}')}</EndToEndId></Refs><RltdPties>"
            f"<Dbtr><Nm>{_x(rng, 'Ali Demir')}</Nm></Dbtr><DbtrAcct><Id><IBAN>"
            f"{_x(rng, 'TR330006100519786457841326')}</IBAN></Id></DbtrAcct></RltdPties>"
            f"<RmtInf><Ustrd>{_x(rng, 'invoice')}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>S</MsgId><CreDtTm>2024-04-01T06:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id>"
        f"<Acct><Id><IBAN>{_x(rng, 'DE89370400440532013000')}</IBAN></Id><Ccy>EUR</Ccy>"
        f"<Ownr><Nm>{_x(rng, 'Kara GmbH')}</Nm></Ownr></Acct>{''.join(entries)}"
        "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


def gen_pacs008(rng: random.Random) -> bytes:
    txs = []
    for i in range(rng.randint(0, 8)):
        txs.append(
            f"<CdtTrfTxInf><PmtId><EndToEndId>{_x(rng, f'E{i}')}</EndToEndId></PmtId>"
            f'<IntrBkSttlmAmt Ccy="USD">{_x(rng, _amount(rng))}</IntrBkSttlmAmt>'
            f"<IntrBkSttlmDt>{_x(rng, _ts(rng)[:10])}</IntrBkSttlmDt>"
            f"<Dbtr><Nm>{_x(rng, 'John Roe')}</Nm></Dbtr>"
            f"<DbtrAcct><Id><Othr><Id>{_x(rng, 'US-1')}</Id></Othr></Id></DbtrAcct>"
            f"<Cdtr><Nm>{_x(rng, 'Maria Lopez')}</Nm></Cdtr>"
            f"<CdtrAcct><Id><Othr><Id>{_x(rng, 'MX-9')}</Id></Othr></Id></CdtrAcct>"
            "</CdtTrfTxInf>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-05-01T08:00:00Z</CreDtTm></GrpHdr>"
        f"{''.join(txs)}</FIToFICstmrCdtTrf></Document>\n"
    ).encode()


@dataclass(frozen=True)
class Target:
    """One loader and the file it reads: a name to write it under, and a generator."""

    name: str
    loader: str
    filename: str
    generate: Callable[[random.Random], bytes]
    format: str = "auto"
    kind: str | None = None


TARGETS = [
    Target("canonical_csv", "canonical", "transactions.csv", gen_canonical_csv),
    Target("canonical_jsonl", "canonical", "transactions.jsonl", gen_canonical_jsonl),
    Target("canonical_parquet", "canonical", "transactions.parquet", gen_canonical_parquet),
    Target("travel_csv", "canonical", "travel.csv", gen_travel_csv),
    Target("kyc_csv", "canonical", "parties.csv", gen_kyc_csv),
    Target("mapped_csv", "mapped", "export.csv", gen_bank_export),
    Target("amlworld", "public", "HI-Small_Trans.csv", gen_amlworld),
    Target("samld", "public", "SAML-D.csv", gen_samld),
    Target("amlsim", "public", "transactions.csv", gen_amlsim),
    Target("amlgentex", "public", "tx_log.parquet", gen_amlgentex),
    Target("goaml", "goaml", "report.xml", gen_goaml),
    Target("camt053", "iso20022", "statement.xml", gen_camt053),
    Target("pacs008", "iso20022", "pacs.xml", gen_pacs008),
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """1-6 random edits of ``data``: byte and line level (see the module docstring)."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not out:
            out.extend(rng.choice(NOISE))
            continue
        at = rng.randrange(len(out))
        edit = rng.randrange(8)
        if edit == 0:
            del out[at : at + rng.randint(1, 40)]
        elif edit == 1:
            out[at:at] = rng.choice(NOISE) * rng.randint(1, 3)
        elif edit == 2:
            out[at:at] = out[at : at + rng.randint(1, 200)] * rng.randint(1, 20)
        elif edit == 3:
            out[at] = rng.randrange(256)
        elif edit == 4:
            del out[at:]
        elif edit == 5:
            lines = bytes(out).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            out = bytearray(b"\n".join(lines))
        elif edit == 6:
            out[at:at] = rng.choice(HOSTILE).encode("utf-8", errors="replace")
        else:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(out)


# -- issue 17: the classes of input that once broke the loaders or slipped through ----------
#
# Each run feeds every loader these as well: poison amounts (inf, NaN, negative, 1e308 in
# KWD/GBP/BTC), times before 1970 and impossible dates and offsets, birth dates in year 0,
# unknown country codes, repeated keys with other content, JSON nested too deeply, truncated
# and fake .gz files, one Latin-1 byte in UTF-8, XML elements with 100k attributes and a
# DOCTYPE behind a 70 KB comment. A *probe* is a file whose rows marked POISON must not be
# accepted (or which must be refused as a whole); accepting one is a *wrong acceptance*.

POISON_AMOUNTS = [("inf", "EUR", ""), ("100", "EUR", "nan"), ("100", "EUR", "-inf"),
                  ("100", "EUR", "-5"), ("1e308", "KWD", ""), ("1.6e308", "GBP", ""),
                  ("1e308", "BTC", "")]  # fmt: skip
POISON_TIMES = ["2025-02-30T10:00:00Z", "2025-04-31T10:00:00Z", "2025-02-29",
                "2025-02-28T10:00:00+25:00", "1900-02-29T00:00:00Z", "0000-01-01T00:00:00Z"]  # fmt: skip
POISON_DATES = ["0000-01-01", "2025-02-30", "1981-02-29", "1980-04-31"]
POISON_COUNTRIES = ["XQ", "ZZ", "QQ"]
#: Legitimate values that must still be accepted (before 1970, leap days, wide offsets).
GOOD_TIMES = ["1965-03-01T12:00:00Z", "2024-02-29T23:00:00+14:00", "1969-12-31T23:59:59Z"]
HOSTILE.extend([*POISON_TIMES, "1e308", "1.6e308", "-5", "XQ", "ZZ", "KWD", "BTC",
                "![x](http://127.0.0.1:9/b.png)"])  # fmt: skip


def _gz(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


def gen_canonical_csv_gz(rng: random.Random) -> bytes:
    return _gz(gen_canonical_csv(rng))


def gen_canonical_jsonl_gz(rng: random.Random) -> bytes:
    return _gz(gen_canonical_jsonl(rng))


def gen_deep_jsonl(rng: random.Random) -> bytes:
    depth = rng.choice([1_000, 50_000, 200_000])
    good = gen_canonical_jsonl(rng)
    deep = ('{"tx_id": ' + "[" * depth + "]" * depth + "}\n").encode()
    return deep + good if rng.random() < 0.5 else good + deep


def gen_attributes_xml(rng: random.Random) -> bytes:
    n = rng.choice([300, 20_000, 100_000])
    attributes = " ".join(f'a{i}="1"' for i in range(n))
    body = gen_goaml(rng).decode()
    return body.replace("<report>", f"<report><x {attributes}/>", 1).encode()


def _poison_csv(rng: random.Random, mark: str) -> tuple[list[str], list[list[str]]]:
    header = ["tx_id", "ts", "src_account", "dst_account", "amount", "currency", "amount_base"]
    rows = [[f"ok{i}", rng.choice([_ts(rng), *GOOD_TIMES]), "A1", "A2", _amount(rng), "EUR", ""]
            for i in range(rng.randint(1, 10))]  # fmt: skip
    kind = rng.randrange(4)
    if kind == 0:
        amount, currency, base = rng.choice(POISON_AMOUNTS)
        rows.append([mark, _ts(rng), "A1", "A2", amount, currency, base])
    elif kind == 1:
        rows.append([mark, rng.choice(POISON_TIMES), "A1", "A2", "5", "EUR", ""])
    elif kind == 2:  # a conflicting repeat: the second row (other amount) is the poison
        rows.append([f"dup{mark}", _ts(rng), "A1", "A2", "10", "EUR", ""])
        rows.append([f"dup{mark}", _ts(rng), "A1", "A2", "99999", "EUR", ""])
    else:
        rows.append([mark, _ts(rng), "A1", "A2", rng.choice(["inf", "nan", "-1"]), "EUR", ""])
    rng.shuffle(rows)
    return header, rows


def probe_transactions_csv(rng: random.Random) -> bytes:
    return _csv(*_poison_csv(rng, "POISON"), rng)


def probe_transactions_jsonl(rng: random.Random) -> bytes:
    import json

    header, rows = _poison_csv(rng, "POISON")
    return "".join(json.dumps(dict(zip(header, r, strict=True))) + "\n" for r in rows).encode()


def probe_transactions_gz(rng: random.Random) -> bytes:
    return _gz(probe_transactions_csv(rng))


def probe_parties_csv(rng: random.Random) -> bytes:
    header = ["party_id", "name", "birth_date", "nationality"]
    rows = [[f"p{i}", "Nadia Karim", rng.choice(["1980-05-06", "1950-01-01", "2000-02-29"]), "SY"]
            for i in range(rng.randint(1, 8))]  # fmt: skip
    if rng.random() < 0.5:
        rows.append(["POISON", "Eve", rng.choice(POISON_DATES), "SY"])
    else:
        rows.append(["POISON", "Eve", "1980-05-06", rng.choice(POISON_COUNTRIES)])
    rng.shuffle(rows)
    return _csv(header, rows, rng)


def probe_latin1_byte(rng: random.Random) -> bytes:
    """UTF-8 names and one Latin-1 row: no accepted name may come back as mojibake."""
    good = "party_id,name\n" + "".join(f"p{i},José Müller {i}\n" for i in range(rng.randint(1, 9)))
    return good.encode() + "p99,Renée\n".encode("latin-1")


def probe_goaml(rng: random.Random) -> bytes:
    body = gen_goaml(rng).decode()
    # every amount here is refused (overflowing on conversion, infinite or negative)
    amount, currency, _ = rng.choice([*POISON_AMOUNTS[4:], ("inf", "EUR", ""), ("-3", "EUR", "")])
    date = rng.choice([*POISON_TIMES, "2024-01-01T00:00:00"])
    poison = (
        f"<transaction><transactionnumber>POISON</transactionnumber>"
        f"<date_transaction>{date}</date_transaction><amount_local>{amount}</amount_local>"
        "<t_from><from_account><iban>A</iban></from_account></t_from>"
        "<t_to><to_account><iban>B</iban></to_account></t_to></transaction>"
    )
    body = body.replace("<currency_code_local>EUR<", f"<currency_code_local>{currency}<", 1)
    return body.replace("</report>", poison + "</report>").encode()


def probe_hidden_doctype(rng: random.Random) -> bytes:
    """A DOCTYPE behind a long comment: the whole file must be refused."""
    comment = "<!-- <report> " + "x" * rng.choice([100, 70_000, 300_000]) + " -->"
    root = rng.choice(["report", "Document"])
    return (f'<?xml version="1.0"?>{comment}<!DOCTYPE {root} [<!ENTITY e "boom">]>'
            f"<{root}><transaction><transactionnumber>&e;</transactionnumber></transaction>"
            f"</{root}>").encode()  # fmt: skip


@dataclass(frozen=True)
class Probe:
    """A file that must be refused whole (``refuse``) or whose POISON rows must be refused."""

    name: str
    loader: str
    filename: str
    generate: Callable[[random.Random], bytes]
    refuse: bool = False
    format: str = "auto"
    kind: str | None = None


TARGETS.extend([
    Target("canonical_csv_gz", "canonical", "transactions.csv.gz", gen_canonical_csv_gz),
    Target("canonical_jsonl_gz", "canonical", "transactions.jsonl.gz", gen_canonical_jsonl_gz),
    Target("deep_jsonl", "canonical", "transactions.jsonl", gen_deep_jsonl),
    Target("goaml_attributes", "goaml", "report.xml", gen_attributes_xml),
])  # fmt: skip
PROBES = [
    Probe("poison_csv", "canonical", "transactions.csv", probe_transactions_csv),
    Probe("poison_jsonl", "canonical", "transactions.jsonl", probe_transactions_jsonl),
    Probe("poison_gz", "canonical", "transactions.csv.gz", probe_transactions_gz),
    Probe("poison_parties", "canonical", "parties.csv", probe_parties_csv),
    Probe("latin1_byte", "canonical", "parties.csv", probe_latin1_byte),
    Probe("poison_mapped", "mapped", "export.csv", probe_transactions_csv, kind="transactions"),
    Probe("poison_goaml", "goaml", "report.xml", probe_goaml),
    Probe("hidden_doctype", "goaml", "report.xml", probe_hidden_doctype, refuse=True),
    Probe("hidden_doctype_iso", "iso20022", "statement.xml", probe_hidden_doctype, refuse=True,
          format="camt053"),
]  # fmt: skip
