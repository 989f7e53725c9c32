"""Sample-bank generator: a realistic, reproducible raw extract of one city's retail-bank branches.

`generate_bank` writes one folder per contract table (DOMAIN.md section 9, read from `contract.TABLES`) as CSV
or Parquet, plus `_ground_truth/` with the labels that planted customers must get under DOMAIN.md's default
rules (tiers section 3, lifecycle section 4, churn types section 5).

How it is built
- Faker (zh_CN, seeded) only fills small pools once (names, companies, streets); every row is then drawn with
  numpy from a `Generator(PCG64)`. Customers are processed in chunks; chunk k draws from
  `SeedSequence([seed, k + 1])`, so the output depends only on the arguments, never on time or hash order.
- Money is computed in integer cents. `balance_after` is the account's opening balance plus the running signed
  sum in (txn_ts, txn_id) order, so the chain holds exactly. Background accounts whose random flows would dip
  below zero get a larger opening balance; planted accounts are designed never to need that.
- Background customers are mostly stable mass/affluent customers with salary, bills, card spending, transfers,
  interest, fees, maturities that roll over inside the bank, fund instalments and loan repayments.
- Planted customers (disjoint groups, `PLANTS`) follow a scripted path with amounts far from every threshold,
  a quiet monthly routine that nets to zero (salary in, bill/card/ATM out) and regular successful contacts,
  so that only the planted rule fires. Their labels go to `_ground_truth/`.

Ground truth (`out_dir/_ground_truth/`, CSV with a header, months as YYYY-MM-01)
- churn_events.csv: customer_id, event_month, churn_type (product, service, consumption, special, unclassified),
  stated_purpose_mismatch (true/false). One row per planted churn event, dated by its first qualifying month.
  Tier-downgrade and termination plants also leave the bank, with no signal planted: their events are
  `unclassified`.
- lifecycle.csv: customer_id, month, stage - only for lifecycle plants and months whose stage the plant fixes.
- tier_moves.csv: customer_id, month, movement (new, upgrade, stable, downgrade, lost), tier_before, tier_after -
  every month of the tier plants and of the development plants (whose first month is `new`).
- plants.csv: customer_id, plant (see `PLANTS`), variant - which script each planted customer follows.
Labels assume DOMAIN.md's default parameters.

Conventions
- `OWN_BANK_CODE` ("本行", "this bank") is written in `counterparty_bank` when money moves between a
  customer's own accounts or to another account in this bank; ingestion/dbt should configure the same code.
- gender is "M"/"F"; interest_rate is an annual rate as a fraction (0.012000 = 1.2 %); all accounts are CNY,
  so no fx_rates table is written. Timestamps are local Asia/Shanghai, written as `YYYY-MM-DD HH:MM:SS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .contract import (
    BASE_CURRENCY,
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    DATE,
    DECIMAL,
    DIRECTIONS,
    INTEGER,
    MONEY,
    PRODUCT_TYPES,
    ROLES,
    STATED_PURPOSES,
    STRING,
    TABLES,
    TIMESTAMP,
    TXN_CHANNELS,
    TXN_TYPES,
)

# The code written in counterparty_bank when the money stays in this bank (own accounts, other customers here).
OWN_BANK_CODE = "本行"
# Last day of data when none is given: fixed, never today(), so that output is reproducible.
DEFAULT_END_DATE = date(2026, 10, 31)
# Customers per chunk: bounds memory (about 1 GiB of working set per 100k customers).
CHUNK_SIZE = 100_000
GROUND_TRUTH_DIR = "_ground_truth"
# Tables written (fx_rates is optional and not needed: every account is in CNY).
OUTPUT_TABLES = [t for t in TABLES if t != "fx_rates"]

# Measured tiers, lowest first, with the DOMAIN.md section 3 default floors in CNY (monthly daily-average AUM).
TIERS = ("none", "mass", "affluent", "wealth", "private")
TIER_FLOORS = {"affluent": 50_000, "wealth": 500_000, "private": 6_000_000}
# Role serving each tier (index into contract.ROLES), tier index -> role index.
_TIER_ROLE = np.array([2, 3, 2, 1, 0])  # none -> lobby_manager (leads), mass -> teller, ...

# Planted groups, in the order their customers are drawn. Each is disjoint from the others.
PLANTS = (
    "churn_product",
    "churn_service",
    "churn_consumption",
    "churn_special",
    "churn_mismatch",
    "life_potential",
    "life_development",
    "life_growth",
    "life_maturity",
    "life_decline",
    "life_termination",
    "tier_upgrade",
    "tier_downgrade",
)
_PLANT_SHARE = 0.012  # of all customers, per group
_PLANT_MIN = 20  # per group, when the bank is big enough
_PLANT_MAX_TOTAL_SHARE = 0.45

NODAY = -(10**9)  # null marker for day numbers
_DAY_S = 86_400
_EPOCH = date(1970, 1, 1)

_PT = {p: i for i, p in enumerate(PRODUCT_TYPES)}
_TT = {t: i for i, t in enumerate(TXN_TYPES)}
_CH = {c: i for i, c in enumerate(TXN_CHANNELS)}
_CREDIT, _DEBIT = 0, 1
_RL = {r: i for i, r in enumerate(ROLES)}
_CC = {c: i for i, c in enumerate(CONTACT_CHANNELS)}
_CO = {c: i for i, c in enumerate(CONTACT_OUTCOMES)}
_SP = {s: i for i, s in enumerate(STATED_PURPOSES)}

# Product catalogue: code -> (term in days, annual rate in millionths).
_TD_PRODUCTS = {"TD-3M": (91, 8_000), "TD-6M": (182, 10_000), "TD-1Y": (365, 12_000), "TD-2Y": (730, 13_000),
                "TD-3Y": (1095, 15_500), "CD-3Y": (1095, 17_500)}
_WM_PRODUCTS = {"WM-90D": (90, 19_000), "WM-180D": (180, 21_000), "WM-365D": (365, 24_000), "WM-730D": (730, 27_000)}
_FUND_CODES = ("000198", "110022", "161725", "519674", "001632", "005827", "003095", "000001", "270042", "006228")
_INS_CODES = ("INS-WL", "INS-AN", "INS-EN")

# One city per bank; districts with their ID-card area codes; landline area code; province for utility names.
_CITIES = (
    ("杭州市", "0571", "浙江", (("上城区", "330102"), ("拱墅区", "330105"), ("西湖区", "330106"), ("滨江区", "330108"),
                             ("萧山区", "330109"), ("余杭区", "330110"), ("临平区", "330113"), ("钱塘区", "330114"))),
    ("南京市", "025", "江苏", (("玄武区", "320102"), ("秦淮区", "320104"), ("建邺区", "320105"), ("鼓楼区", "320106"),
                            ("浦口区", "320111"), ("栖霞区", "320113"), ("雨花台区", "320114"), ("江宁区", "320115"))),
    ("成都市", "028", "四川", (("锦江区", "510104"), ("青羊区", "510105"), ("金牛区", "510106"), ("武侯区", "510107"),
                            ("成华区", "510108"), ("龙泉驿区", "510112"), ("双流区", "510116"), ("郫都区", "510117"))),
    ("武汉市", "027", "湖北", (("江岸区", "420102"), ("江汉区", "420103"), ("硚口区", "420104"), ("汉阳区", "420105"),
                            ("武昌区", "420106"), ("青山区", "420107"), ("洪山区", "420111"), ("东西湖区", "420112"))),
)
_OTHER_AREAS = ("110101", "310101", "340102", "360102", "410102", "430102", "500101", "610102", "370102",
                "350102", "440103", "130102", "320583", "330302", "421002", "511302")
_MOBILE_PREFIXES = (130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
                    166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199)
_OTHER_BANKS = ("工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "中信银行",
                "兴业银行",
                "民生银行", "平安银行", "光大银行", "广发银行", "邮储银行", "微众银行", "网商银行")
_SEC_FIRMS = ("华泰证券", "中信证券", "国泰海通证券", "招商证券", "广发证券", "东方财富证券")
_FUND_FIRMS = (("天弘基金", "天弘基金管理有限公司"), ("易方达基金", "易方达基金管理有限公司"),
               ("华夏基金", "华夏基金管理有限公司"),
               ("南方基金", "南方基金管理股份有限公司"), ("广发基金", "广发基金管理有限公司"))
_MERCHANT_BRANDS = ("华润万家", "永辉超市", "物美超市", "盒马鲜生", "全家便利店", "罗森便利店", "美宜佳", "肯德基",
                    "麦当劳",
                    "星巴克", "瑞幸咖啡", "海底捞火锅", "喜茶", "屈臣氏", "优衣库", "苏宁易购", "名创优品", "万达影城",
                    "中国石化加油站", "沃尔玛", "大润发", "必胜客", "老乡鸡", "蜜雪冰城")
_CAR_BRANDS = ("宝马", "奔驰", "奥迪", "丰田", "本田", "大众", "比亚迪", "特斯拉", "蔚来", "理想")
_COMPLAINT_SERVICE = ("服务态度", "排队等候时间长", "业务办理差错", "营销扰民")
_COMPLAINT_ALL = _COMPLAINT_SERVICE + ("理财产品收益", "收费问题", "系统故障", "信用卡业务")
# Words that a consumption keyword seed could match: kept out of background employer names.
_CONSUMPTION_WORDS = ("房", "地产", "置业", "汽车", "车", "4S", "学", "教育", "医", "药", "装", "货", "贸易", "建材",
                      "供应链", "物流")


# --------------------------------------------------------------------------------------------------------------
# small helpers


def _dn(d: date) -> int:
    return (d - _EPOCH).days


def _loguni(rng, lo, hi, n):
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n))


def _cents(yuan) -> np.ndarray:
    return np.round(np.asarray(yuan, dtype=np.float64) * 100).astype(np.int64)


def _round_yuan(yuan, unit) -> np.ndarray:
    """Yuan rounded to a multiple of `unit` yuan, as cents."""
    return (np.round(np.asarray(yuan, dtype=np.float64) / unit).astype(np.int64) * unit * 100).astype(np.int64)


def _secs(rng, n, h0: float, h1: float) -> np.ndarray:
    return rng.integers(int(h0 * 3600), int(h1 * 3600), n).astype(np.int64)


def _split(rng, n: int, shares) -> np.ndarray:
    """Variant index per customer in exact proportions (shuffled), so small groups still get every variant."""
    shares = np.asarray(shares, dtype=np.float64) / np.sum(shares)
    counts = np.floor(shares * n).astype(np.int64)
    rest = n - counts.sum()
    counts[np.argsort(-(shares * n - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _clear_of_floors(cents: np.ndarray, margin: float = 0.15) -> np.ndarray:
    """Cents moved up out of the band +-margin around each tier floor, so noise cannot flip the tier."""
    out = np.asarray(cents, dtype=np.int64).copy()
    for floor in TIER_FLOORS.values():
        f = floor * 100
        near = (out >= (1 - margin) * f) & (out < (1 + margin) * f)
        out[near] += int((2 * margin + 0.05) * f)
    return out


def _b(x, n, dtype=np.int64) -> np.ndarray:
    a = np.asarray(x, dtype=dtype)
    return np.full(n, a, dtype=dtype) if a.ndim == 0 else a.astype(dtype, copy=False)


def _digits(nums: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 ASCII digits of non-negative integers, zero padded."""
    out = np.empty((len(nums), width), dtype=np.uint8)
    x = np.asarray(nums, dtype=np.int64).copy()
    for k in range(width - 1, -1, -1):
        out[:, k] = (x % 10).astype(np.uint8) + 48
        x //= 10
    return out


def _fixed_strings(mat: np.ndarray) -> pa.Array:
    """Arrow strings from an (n, w) uint8 matrix of ASCII, without Python objects."""
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
    data = np.ascontiguousarray(mat).tobytes()
    buffers = [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_string(), n, buffers).cast(pa.string())


def _ids(prefix: str, nums: np.ndarray, width: int) -> pa.Array:
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    mat = np.concatenate([np.broadcast_to(p, (len(nums), len(p))), _digits(nums, width)], axis=1)
    return _fixed_strings(mat)


def _u(mat: np.ndarray) -> np.ndarray:
    """(n, w) uint8 ASCII -> numpy unicode strings."""
    mat = np.ascontiguousarray(mat)
    return mat.view(f"S{mat.shape[1]}").ravel().astype(f"U{mat.shape[1]}")


def _decimal(units: np.ndarray, scale: int, mask: np.ndarray | None = None) -> pa.Array:
    """decimal128(18, scale) from integer units (cents for scale 2), without float rounding."""
    units = np.asarray(units, dtype=np.int64)
    words = np.empty(len(units) * 2, dtype=np.int64)
    words[0::2] = units
    words[1::2] = np.where(units < 0, -1, 0)
    validity = None
    if mask is not None and mask.any():
        validity = pa.array(~mask).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(units), [validity, pa.py_buffer(words.tobytes())])


def _dates(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    mask = days == NODAY
    return pa.array(np.where(mask, 0, days).astype("datetime64[D]"), type=pa.date32(), mask=mask)


def _timestamps(ts: np.ndarray) -> pa.Array:
    ts = np.asarray(ts, dtype=np.int64)
    mask = ts < -(10**12)
    return pa.array(np.where(mask, 0, ts).astype("datetime64[s]"), type=pa.timestamp("s"), mask=mask)


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    idx = np.asarray(idx, dtype=np.int64)
    return values.take(pa.array(idx, type=pa.int64(), mask=idx < 0))


def _arrow_type(kind: str) -> pa.DataType:
    return {
        STRING: pa.string(),
        DATE: pa.date32(),
        TIMESTAMP: pa.timestamp("s"),
        MONEY: pa.decimal128(18, 2),
        DECIMAL: pa.decimal128(18, 6),
        INTEGER: pa.int64(),
    }[kind]


def table_schema(table: str) -> pa.Schema:
    """Arrow schema of a contract table as written (Parquet keeps these types; CSV renders them as text)."""
    return pa.schema([pa.field(c.name, _arrow_type(c.type)) for c in TABLES[table].columns])


# --------------------------------------------------------------------------------------------------------------
# calendar


class _Calendar:
    """The data window: n_months calendar months ending with end_date's month (the last one may be partial)."""

    def __init__(self, end: date, n_months: int):
        starts = []
        for k in range(n_months - 1, -1, -1):
            y, m = end.year, end.month - k
            while m <= 0:
                m += 12
                y -= 1
            starts.append(date(y, m, 1))
        nxt = [date(s.year + (s.month == 12), s.month % 12 + 1, 1) for s in starts]
        self.M = n_months
        self.start_day = _dn(starts[0])
        self.end_day = _dn(end)
        self.month_start = np.array([_dn(s) for s in starts], dtype=np.int64)
        self.month_len = np.array([(b - a).days for a, b in zip(starts, nxt)], dtype=np.int64)
        self.month_last = np.minimum(self.month_start + self.month_len - 1, self.end_day)
        self.month_days = self.month_last - self.month_start + 1
        self.cal_month = np.array([s.month for s in starts], dtype=np.int64)
        self.labels = [s.strftime("%Y-%m-01") for s in starts]
        # months fully inside the window: planted events and labels stay in these
        self.Mf = n_months if self.month_days[-1] == self.month_len[-1] else n_months - 1
        self.end_ts = (self.end_day + 1) * _DAY_S - 1

    def day(self, m, dom) -> np.ndarray:
        m = np.asarray(m, dtype=np.int64)
        return self.month_start[m] + np.clip(np.asarray(dom, dtype=np.int64), 1, self.month_days[m]) - 1

    def month_of(self, day) -> np.ndarray:
        return np.searchsorted(self.month_start, np.asarray(day), side="right") - 1


# --------------------------------------------------------------------------------------------------------------
# string pools (built once from Faker, then sampled with numpy)


class _Pool:
    def __init__(self):
        self.values: list[str] = []
        self._index: dict[str, int] = {}
        self.groups: dict[str, np.ndarray] = {}

    def id(self, s: str) -> int:
        i = self._index.get(s)
        if i is None:
            i = len(self.values)
            self.values.append(s)
            self._index[s] = i
        return i

    def add_group(self, name: str, items) -> None:
        self.groups[name] = np.array([self.id(s) for s in dict.fromkeys(items)], dtype=np.int64)

    def pick(self, rng, name: str, n: int) -> np.ndarray:
        g = self.groups[name]
        return g[rng.integers(0, len(g), n)]

    def arrow(self) -> pa.Array:
        return pa.array(self.values, type=pa.string())


def _unique(seq, n):
    out = list(dict.fromkeys(seq))
    return out[:n]


def _build_pools(seed: int, city) -> tuple[_Pool, dict]:
    from faker import Faker  # only needed while building pools

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    prng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0, 7])))
    city_name, area, prov, districts = city
    cs = city_name[:-1]
    pool = _Pool()

    # names from Faker's weighted zh_CN surnames and given names (fast: no per-name Faker call)
    person = fake.provider("faker.providers.person")
    lasts = list(person.last_names)
    lw = np.array(list(person.last_names.values()), dtype=np.float64)
    firsts = [g for g in person.first_names if len(g) == 1] or list(person.first_names)
    k = 12_000
    ln = prng.choice(len(lasts), k, p=lw / lw.sum())
    f1 = prng.integers(0, len(person.first_names), k)
    f2 = prng.integers(0, len(firsts), k)
    two = prng.random(k) < 0.45
    names = _unique((lasts[a] + person.first_names[b] + (firsts[c] if t and len(person.first_names[b]) == 1 else "")
                     for a, b, c, t in zip(ln, f1, f2, two)), 6000)
    pool.add_group("names", names)
    companies = [c for c in dict.fromkeys(fake.company() for _ in range(1000))
                 if not any(w in c for w in _CONSUMPTION_WORDS)]
    pool.add_group("companies", companies[:600])
    prefixes = [p for p in dict.fromkeys(fake.company_prefix() for _ in range(800))
                if not any(w in p for w in _CONSUMPTION_WORDS)]
    # plus two-character trade names of the usual auspicious characters (Faker has only ~80 prefixes)
    chars = "华鑫瑞恒泰丰德宏盛嘉锦汇金达信安康元新兴博正通宇中天海联隆裕祥和润源凯荣昌富鼎辰"
    combos = [a + b for a in chars for b in chars if a != b]
    prefixes += [combos[i] for i in prng.permutation(len(combos))[:400]]
    streets = _unique((fake.street_name() for _ in range(700)), 400)
    comm_suffix = ("花园", "小区", "家园", "公寓", "苑", "新村", "华府", "名都")
    communities = [prefixes[i % len(prefixes)] + comm_suffix[i % len(comm_suffix)] for i in range(300)]
    merchants = [f"{_MERCHANT_BRANDS[i % len(_MERCHANT_BRANDS)]}({streets[(i * 7) % len(streets)]}店)"
                 for i in range(600)]
    pool.add_group("merchants", merchants)
    pool.add_group("utility_电费", [f"国网{prov}省电力有限公司{cs}供电公司"])
    pool.add_group("utility_水费", [f"{cs}市水务集团有限公司"])
    pool.add_group("utility_燃气费", [f"{cs}市燃气集团有限公司"])
    pool.add_group("utility_物业费", [f"{prefixes[i]}物业管理有限公司" for i in range(30)])
    pool.add_group("utility_话费", [f"中国移动通信集团{prov}有限公司", f"中国联合网络通信有限公司{cs}市分公司",
                                  f"中国电信股份有限公司{cs}分公司"])
    pool.add_group("pension_payer", [f"{cs}市社会保险事业管理中心"])
    pool.add_group("banks", list(_OTHER_BANKS) + [f"{cs}银行"])
    pool.add_group("sec_firms", list(_SEC_FIRMS))
    pool.add_group("fund_firm_banks", [b for b, _ in _FUND_FIRMS])
    pool.add_group("fund_firm_names", [n for _, n in _FUND_FIRMS])
    p2 = prefixes[40:]
    pool.add_group("cp_house", [f"{cs}{p2[i]}置业有限公司" for i in range(8)]
                   + [f"{p2[10 + i]}房地产开发有限公司" for i in range(6)])
    pool.add_group("cp_renovation", [f"{cs}{p2[20 + i]}装饰工程有限公司" for i in range(6)])
    pool.add_group("cp_car", [f"{cs}{p2[30 + i][:2]}{_CAR_BRANDS[i]}汽车销售服务有限公司"
                              for i in range(len(_CAR_BRANDS))])
    pool.add_group("cp_education", [f"{cs}外国语学校", f"{cs}{p2[45][:2]}国际学校", f"{prov}大学", f"{cs}大学",
                                    f"{p2[46]}留学服务中心", f"{p2[47]}教育科技有限公司"])
    pool.add_group("cp_medical", [f"{cs}市第一人民医院", f"{prov}省人民医院", f"{prov}大学医学院附属第一医院",
                                  f"{cs}市中医院"])
    pool.add_group("cp_business", [f"{p2[50 + i]}贸易有限公司" for i in range(8)]
                   + [f"{p2[60 + i]}建材有限公司" for i in range(4)])
    pool.add_group("complaint_service", list(_COMPLAINT_SERVICE))
    pool.add_group("complaint_all", list(_COMPLAINT_ALL))
    for code in list(_TD_PRODUCTS) + list(_WM_PRODUCTS) + list(_FUND_CODES) + list(_INS_CODES) + [
            "DD-I", "DD-II", "LN-MORT", "LN-CONS", "LN-AUTO"]:
        pool.id(code)
    pool.add_group("fund_codes", list(_FUND_CODES))
    pool.add_group("ins_codes", list(_INS_CODES))
    pool.add_group("memo_p2p_out", ["转账", "生活费", "还款", "转账", "红包"])
    pool.add_group("memo_p2p_in", ["转账", "还款", "生活费"])
    pool.add_group("memo_leave", ["跨行转账", "转账"])
    pool.id(OWN_BANK_CODE)

    # addresses and e-mails: Python strings built once, sampled per customer
    addr = []
    for i in range(4000):
        dname = districts[prng.integers(0, len(districts))][0]
        addr.append(f"{city_name}{dname}{streets[prng.integers(0, len(streets))]}{prng.integers(1, 999)}号"
                    f"{communities[prng.integers(0, len(communities))]}{prng.integers(1, 40)}幢"
                    f"{prng.integers(1, 6)}单元{prng.integers(1, 33)}{prng.integers(1, 5):02d}室")
    users = _unique((fake.user_name() for _ in range(1500)), 1500)
    domains = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "hotmail.com", "139.com", "foxmail.com")
    emails = []
    for i in range(5000):
        if prng.random() < 0.3:
            emails.append(f"{prng.integers(10_000_000, 3_999_999_999)}@qq.com")
        else:
            u = users[prng.integers(0, len(users))]
            suffix = str(prng.integers(1, 9999)) if prng.random() < 0.6 else ""
            emails.append(f"{u}{suffix}@{domains[prng.integers(0, len(domains))]}")
    extra = {
        "addresses": np.array(addr),
        "emails": np.array(emails),
        "streets": streets,
        "company_accounts": prng.integers(10**15, 10**18, len(pool.values) + 10_000),
    }
    return pool, extra


# --------------------------------------------------------------------------------------------------------------
# per-chunk row builders


class _Accounts:
    FIELDS = ("cust", "ptype", "code", "open", "maturity", "closed", "rate", "opening", "planted")

    def __init__(self):
        self.parts: list[dict] = []
        self.n = 0

    def add(self, cust, ptype, code, open_day, maturity=NODAY, closed=NODAY, rate=-1, opening=0, planted=False):
        cust = np.asarray(cust, dtype=np.int64)
        k = len(cust)
        self.parts.append({
            "cust": cust, "ptype": _b(ptype, k, np.int8), "code": _b(code, k), "open": _b(open_day, k),
            "maturity": _b(maturity, k), "closed": _b(closed, k), "rate": _b(rate, k), "opening": _b(opening, k),
            "planted": _b(planted, k, bool),
        })
        pos = np.arange(self.n, self.n + k, dtype=np.int64)
        self.n += k
        return pos

    def concat(self) -> dict:
        if not self.parts:
            return {f: np.zeros(0, dtype=np.int64) for f in self.FIELDS}
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.FIELDS}


class _Txns:
    FIELDS = ("acct", "ts", "dir", "cents", "ttype", "chan", "cpn", "cpb", "cpa", "memo")

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, acct, ts, direction, cents, ttype, chan=-1, cpn=-1, cpb=-1, cpa=0, memo=-1):
        acct = np.asarray(acct, dtype=np.int64)
        k = len(acct)
        if k == 0:
            return
        self.parts.append({
            "acct": acct, "ts": _b(ts, k), "dir": _b(direction, k, np.int8), "cents": _b(cents, k),
            "ttype": _b(ttype, k, np.int8), "chan": _b(chan, k, np.int8), "cpn": _b(cpn, k), "cpb": _b(cpb, k),
            "cpa": _b(cpa, k), "memo": _b(memo, k),
        })

    def concat(self) -> dict:
        if not self.parts:
            return {f: np.zeros(0, dtype=np.int64) for f in self.FIELDS}
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.FIELDS}


def _internal(pos) -> np.ndarray:
    """counterparty_account marker for one of this chunk's accounts (resolved to its account_id at the end)."""
    return -(np.asarray(pos, dtype=np.int64) + 1)


@dataclass
class _Context:
    seed: int
    cal: _Calendar
    pool: _Pool
    extra: dict
    city: tuple
    branch_ids: pa.Array
    n_branches: int
    group: np.ndarray
    branch: np.ndarray
    seg: np.ndarray
    prospect: np.ndarray
    staff_role: np.ndarray
    staff_active: np.ndarray
    grp_start: np.ndarray  # (branch, role) -> first staff index
    grp_all: np.ndarray  # (branch, role) -> staff count (active ones first)
    grp_active: np.ndarray


class _Chunk:
    """Rows for customers [lo, hi): customers, their accounts, transactions, contacts, complaints, registrations."""

    def __init__(self, ctx: _Context, index: int, lo: int, hi: int):
        self.ctx, self.cal, self.pool = ctx, ctx.cal, ctx.pool
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([ctx.seed, index + 1])))
        self.lo, self.n = lo, hi - lo
        self.group = ctx.group[lo:hi].copy()
        self.branch = ctx.branch[lo:hi]
        self.seg = ctx.seg[lo:hi]
        self.prospect = ctx.prospect[lo:hi]
        self.acc, self.tx = _Accounts(), _Txns()
        self.contacts: list[tuple] = []  # (cust, role, ts, channel, outcome)
        self.complaints: list[tuple] = []  # (cust, ts, category, resolved_ts)
        self.regs: list[tuple] = []  # (cust, ts, planned_day, cents, purpose)
        self.gt_churn: list[tuple] = []  # (cust, month, type, mismatch)
        self.gt_life: list[tuple] = []  # (cust, month, stage)
        self.gt_tier: list[tuple] = []  # (cust, month, movement, before, after)
        self.gt_plants: list[tuple] = []  # (cust, plant, variant)
        rng, cal, n = self.rng, self.cal, self.n
        self.tier0 = self.seg.astype(np.int64).copy()
        self.tier0[self.prospect] = 0
        self.name_idx = self.pool.pick(rng, "names", n)
        self.employer = self.pool.pick(rng, "companies", n)
        self.card = rng.integers(6_210_000_000_000_000, 6_299_999_999_999_999, n)
        # age on the first day of the window, then onboarding before the window by default
        age_years = rng.uniform(20, 80, n) + 5 * (self.seg >= 3)
        self.birth = (cal.start_day - age_years * 365.25).astype(np.int64)
        adult = self.birth + int(18 * 365.25)
        lo_onb = np.maximum(adult, _dn(date(2003, 1, 1)))
        self.onb = lo_onb + (rng.random(n) * np.maximum(cal.start_day - 400 - lo_onb, 1)).astype(np.int64)

    # ---------------------------------------------------------------- shared bits
    def _pick_months(self, n, lo, hi):
        return self.rng.integers(lo, hi + 1, n) if lo <= hi else None

    def _other_bank(self, n):
        return self.pool.pick(self.rng, "banks", n)

    def _own(self, ci):
        return self.name_idx[ci]

    def _gt(self, kind, ci, months, *rest):
        ci = np.asarray(ci)
        months = _b(months, len(ci))
        getattr(self, f"gt_{kind}").append((ci, months) + tuple(rest))

    def _plant(self, ci, plant, variant):
        self.gt_plants.append((np.asarray(ci), plant, np.asarray(variant, dtype=object)))

    def _contact(self, ci, role, ts, channel, outcome):
        self.contacts.append((np.asarray(ci), _b(role, len(ci)), np.asarray(ts), _b(channel, len(ci)),
                              _b(outcome, len(ci))))

    def _regular_contacts(self, ci, role, m_from, m_to, per_month=2, reached=True):
        """Successful contacts every half month (or only failed attempts when reached is False)."""
        rng, cal = self.rng, self.cal
        ci = np.asarray(ci)
        months = np.arange(cal.M)
        m_from, m_to = _b(m_from, len(ci)), _b(m_to, len(ci))
        r, m = np.nonzero((months[None, :] >= m_from[:, None]) & (months[None, :] <= m_to[:, None]))
        role = _b(role, len(ci))[r]
        for k in range(per_month):
            dom = (3 + k * 14 if per_month > 1 else 8) + rng.integers(0, 9, len(r))
            ts = cal.day(m, dom) * _DAY_S + _secs(rng, len(r), 9, 18)
            chan = rng.choice(3, len(r), p=[0.7, 0.2, 0.1])  # phone, visit, wechat
            chan = np.array([_CC["phone"], _CC["wechat"], _CC["visit"]])[chan]
            if reached:
                out = np.full(len(r), _CO["reached"])
            else:
                chan = np.full(len(r), _CC["phone"])
                out = np.where(rng.random(len(r)) < 0.75, _CO["no_answer"], _CO["wrong_number"])
            self._contact(ci[r], role, ts, chan, out)

    def _quiet(self, ci, dd, m_from, m_to, salary_cents):
        """A routine that nets to zero each month: salary on the 5th; bill, card purchase, ATM cash later."""
        rng, cal, pool = self.rng, self.cal, self.pool
        ci = np.asarray(ci)
        months = np.arange(cal.M)
        m_from, m_to = _b(m_from, len(ci)), _b(m_to, len(ci))
        r, m = np.nonzero((months[None, :] >= m_from[:, None]) & (months[None, :] <= m_to[:, None]))
        k = len(r)
        if k == 0:
            return
        c, a, s = ci[r], dd[r], salary_cents[r]
        bill = np.round(s * rng.uniform(0.04, 0.10, k)).astype(np.int64)
        atm = (s // 2 // 10_000) * 10_000
        pos = s - bill - atm
        tx = self.tx
        tx.add(a, cal.day(m, 5) * _DAY_S + _secs(rng, k, 8.5, 11), _CREDIT, s, _TT["salary"],
               cpn=self.employer[c], cpb=self._other_bank(k), cpa=self.ctx.extra["company_accounts"][self.employer[c]],
               memo=pool.id("代发工资"))
        cat = rng.choice(["电费", "水费", "燃气费", "话费"], k)
        cpn = np.empty(k, dtype=np.int64)
        for name in ("电费", "水费", "燃气费", "话费"):
            sel = cat == name
            cpn[sel] = pool.pick(rng, f"utility_{name}", int(sel.sum()))
        memo = np.array([pool.id(x) for x in cat], dtype=np.int64)
        tx.add(a, cal.day(m, 12) * _DAY_S + _secs(rng, k, 19, 22), _DEBIT, bill, _TT["transfer_out"], _CH["mobile"],
               cpn=cpn, memo=memo)
        tx.add(a, cal.day(m, 18) * _DAY_S + _secs(rng, k, 11, 21), _DEBIT, pos, _TT["transfer_out"], _CH["pos"],
               cpn=pool.pick(rng, "merchants", k), memo=pool.id("消费"))
        tx.add(a, cal.day(m, 24) * _DAY_S + _secs(rng, k, 9, 20), _DEBIT, atm, _TT["cash_withdrawal"], _CH["atm"])

    def _dd(self, ci, opening_cents, open_day=None):
        return self.acc.add(ci, _PT["demand_deposit"], self.pool.id("DD-I"),
                            self.onb[ci] if open_day is None else open_day, rate=500, opening=opening_cents,
                            planted=True)

    def _leave(self, ci, acct, day, cents, hours=(9, 17), to_firm_share=0.4, memo_null_share=0.5):
        """Money leaving to the customer's account at another bank, or to a securities / fund firm."""
        rng, pool = self.rng, self.pool
        k = len(ci)
        ts = day * _DAY_S + _secs(rng, k, *hours)
        kind = rng.random(k)
        firm = kind < to_firm_share
        sec = firm & (rng.random(k) < 0.6)
        fund = firm & ~sec
        cpn = self._own(ci).copy()
        cpb = self._other_bank(k)
        cpa = self.card[ci].copy()
        cpb[sec] = pool.pick(rng, "sec_firms", int(sec.sum()))
        fi = rng.integers(0, len(_FUND_FIRMS), int(fund.sum()))
        cpb[fund] = pool.groups["fund_firm_banks"][fi]
        cpn[fund] = pool.groups["fund_firm_names"][fi]
        cpa[fund] = self.ctx.extra["company_accounts"][cpn[fund]]
        memo = pool.pick(rng, "memo_leave", k)
        memo[sec] = pool.id("银证转账")
        memo[fund] = pool.id("基金申购")
        memo[rng.random(k) < memo_null_share] = -1
        chan = np.array([_CH["mobile"], _CH["online"], _CH["counter"]])[rng.choice(3, k, p=[0.5, 0.2, 0.3])]
        self.tx.add(acct, ts, _DEBIT, cents, _TT["transfer_out"], chan, cpn, cpb, cpa, memo)
        return ts

    def _maturity(self, ci, prod, dd, day, principal, interest, is_wm):
        """Own-bank product matures: interest/yield posting, payout to the demand account (money stays here)."""
        rng, pool = self.rng, self.pool
        k = len(ci)
        t0 = day * _DAY_S + 1200 + rng.integers(0, 600, k)
        own = self._own(ci)
        self.tx.add(prod, t0, _CREDIT, interest, _TT["interest"], memo=pool.id("到期结息"))
        total = principal + interest
        memo = np.where(is_wm, pool.id("理财到期"), pool.id("定期到期"))
        self.tx.add(prod, t0 + 30, _DEBIT, total, _TT["maturity_payout"], cpn=own, cpb=pool.id(OWN_BANK_CODE),
                    cpa=_internal(dd), memo=memo)
        self.tx.add(dd, t0 + 30, _CREDIT, total, _TT["maturity_payout"], cpn=own, cpb=pool.id(OWN_BANK_CODE),
                    cpa=_internal(prod), memo=memo)
        return total

    def _registration(self, ci, out_day, cents, purpose):
        rng = self.rng
        k = len(ci)
        reg_day = out_day - rng.integers(0, 3, k)
        ts = reg_day * _DAY_S + _secs(rng, k, 9, 16.5)
        self.regs.append((np.asarray(ci), ts, np.asarray(out_day), np.asarray(cents), _b(purpose, k)))

    # ---------------------------------------------------------------- planted groups
    def plant_product(self, ci, mismatch=False):
        """Product churn: an own-bank deposit/wealth product matures and most of it goes to another bank or firm
        within 5 days; half also let a small earlier maturity (under 50k, so not a churn on its own) leave."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        e = self._pick_months(n, 3, cal.Mf - 2)
        if e is None:
            return False
        mat = cal.day(e, rng.integers(3, 15, n))
        P = _round_yuan(_loguni(rng, 900_000, 2_500_000, n), 1000)
        L = _round_yuan(rng.uniform(60_000, 150_000, n), 100)
        S = _round_yuan(rng.uniform(3_000, 9_000, n), 100)
        is_wm = rng.random(n) < 0.4
        term = np.where(rng.random(n) < 0.5, 365, 730)
        term = np.where(mat - term >= cal.start_day - 30, 730, term)  # bought before the window
        code = np.where(is_wm, np.where(term == 365, pool.id("WM-365D"), pool.id("WM-730D")),
                        np.where(term == 365, pool.id("TD-1Y"), pool.id("TD-2Y")))
        rate = np.where(is_wm, np.where(term == 365, 24_000, 27_000), np.where(term == 365, 12_000, 13_000))
        open_p = mat - term
        self.onb[ci] = np.minimum(self.onb[ci], open_p - rng.integers(30, 2000, n))
        self.tier0[ci] = 3
        dd = self._dd(ci, L)
        prod = self.acc.add(ci, np.where(is_wm, _PT["wealth_product"], _PT["time_deposit"]), code, open_p, mat, mat,
                            rate, P, planted=True)
        interest = np.round(P * rate / 1e6 * term / 365).astype(np.int64)
        total = self._maturity(ci, prod, dd, mat, P, interest, is_wm)
        out_day = mat + rng.integers(1, 6, n)
        X = (total * rng.uniform(0.90, 1.0, n) // 10_000) * 10_000
        self._leave(ci, dd, out_day, X, memo_null_share=1.0 if mismatch else 0.5)
        # an earlier, small maturity that also left (raises confidence, stays under the 50k churn threshold)
        early = _split(rng, n, [0.5, 0.5]) == 1
        if early.any():
            c2 = ci[early]
            k = len(c2)
            mat2 = cal.day(e[early] - 2, rng.integers(3, 15, k))
            Q = _round_yuan(rng.uniform(20_000, 40_000, k), 100)
            t2 = np.where(mat2 - 365 >= cal.start_day - 30, 1095, 365)
            td2 = self.acc.add(c2, _PT["time_deposit"], np.where(t2 == 365, pool.id("TD-1Y"), pool.id("TD-3Y")),
                               mat2 - t2, mat2, mat2, np.where(t2 == 365, 12_000, 15_500), Q, planted=True)
            i2 = np.round(Q * np.where(t2 == 365, 0.012, 0.0465)).astype(np.int64)
            self.onb[c2] = np.minimum(self.onb[c2], mat2 - t2 - 30)
            tot2 = self._maturity(c2, td2, dd[early], mat2, Q, i2, np.zeros(k, bool))
            self._leave(c2, dd[early], mat2 + rng.integers(1, 6, k), (tot2 * rng.uniform(0.95, 1.0, k) // 100) * 100)
        self._quiet(ci, dd, 0, cal.M - 1, S)
        self._regular_contacts(ci, _RL["wealth_manager"], 0, cal.M - 1)
        if mismatch:
            self._registration(ci, out_day, X, rng.choice([_SP["house"], _SP["car"], _SP["education"]], n))
        self._gt("churn", ci, e, "product", mismatch)
        self._plant(ci, "churn_mismatch" if mismatch else "churn_product",
                    np.where(early, "maturity_with_earlier_maturity", "maturity"))
        return True

    def plant_service(self, ci, mismatch=False):
        """Service churn: an affluent customer moves money to other banks over three months after a complaint
        and/or months without a successful contact; no maturity anywhere near."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        e = self._pick_months(n, 3, cal.Mf - 3)
        if e is None:
            return False
        A0 = _round_yuan(rng.uniform(350_000, 450_000, n), 100)
        S = _round_yuan(rng.uniform(3_000, 8_000, n), 100)
        self.tier0[ci] = 2
        dd = self._dd(ci, A0)
        x1 = _round_yuan(A0 / 100 * rng.uniform(0.40, 0.45, n), 100)
        x2 = _round_yuan((A0 - x1) / 100 * rng.uniform(0.50, 0.55, n), 100)
        x3 = _round_yuan((A0 - x1 - x2) / 100 * rng.uniform(0.80, 0.90, n), 100)
        share = 0.4 if mismatch else 0.0
        days = []
        for j, x in enumerate((x1, x2, x3)):
            d = cal.day(e + j, rng.integers(6, 21, n))
            days.append(d)
            self._leave(ci, dd, d, x, to_firm_share=share)
        if mismatch:
            variant = np.full(n, "complaint_and_no_contact", dtype=object)
        else:
            variant = np.array(["complaint_and_no_contact", "complaint_only", "no_contact_only"],
                               dtype=object)[_split(rng, n, [0.5, 0.25, 0.25])]
        complaint = variant != "no_contact_only"
        reached = variant == "complaint_only"
        if complaint.any():
            c = ci[complaint]
            k = len(c)
            created = (cal.month_start[e[complaint]] - rng.integers(15, 61, k)) * _DAY_S + _secs(rng, k, 9, 18)
            resolved = np.where(rng.random(k) < 0.5, created + rng.integers(2, 20, k) * _DAY_S + 3600, -(10**15))
            resolved = np.where(resolved > cal.end_ts, -(10**15), resolved)
            self.complaints.append((c, created, pool.pick(rng, "complaint_service", k), resolved))
        if reached.any():
            self._regular_contacts(ci[reached], _RL["lobby_manager"], 0, cal.M - 1, per_month=1)
        if (~reached).any():
            self._regular_contacts(ci[~reached], _RL["lobby_manager"], 0, cal.M - 1, per_month=1, reached=False)
        self._quiet(ci, dd, 0, cal.M - 1, S)
        if mismatch:
            self._registration(ci, days[0], x1, rng.choice([_SP["house"], _SP["car"], _SP["education"]], n))
        self._gt("churn", ci, e, "service", mismatch)
        self._plant(ci, "churn_mismatch" if mismatch else "churn_service", variant)
        return True

    def plant_mismatch(self, ci):
        """Stated-purpose mismatch: a registration says house/car/education but the money goes to another bank
        or a securities firm. Half are tied to a maturity (product), half are service-type declines."""
        if self.cal.Mf < 6:  # both halves need room for their events: build neither rather than one
            return False
        half = _split(self.rng, len(ci), [0.5, 0.5]) == 0
        ok1 = self.plant_product(ci[half], mismatch=True) if half.any() else True
        ok2 = self.plant_service(ci[~half], mismatch=True) if (~half).any() else True
        return ok1 and ok2

    def plant_consumption(self, ci):
        """Consumption churn: a large payment to a developer, car dealer, school, hospital or supplier (or cash
        with such a memo), most with a matching large-withdrawal registration."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        e = self._pick_months(n, 2, cal.Mf - 2)
        if e is None:
            return False
        A0 = _clear_of_floors(_round_yuan(_loguni(rng, 300_000, 1_200_000, n), 100))
        S = _round_yuan(rng.uniform(4_000, 12_000, n), 100)
        self.tier0[ci] = np.where(A0 >= 600_000 * 100, 3, 2)
        dd = self._dd(ci, A0)
        cats = np.array(["house", "renovation", "car", "education", "medical", "business"], dtype=object)
        cat = rng.choice(cats, n, p=[0.3, 0.1, 0.25, 0.15, 0.08, 0.12])
        # every memo holds one of DOMAIN.md's example keywords (购房 首付 房款 置业 汽车 4S 学费 留学 装修 货款);
        # medical payments go to a hospital (医院) by transfer
        memos = {"house": ["购房首付", "房款"], "renovation": ["装修款"], "car": ["购车首付", "汽车购置款"],
                 "education": ["学费", "留学费用"], "medical": ["医疗费", "住院费"], "business": ["货款"]}
        purpose = {"house": "house", "renovation": "house", "car": "car", "education": "education",
                   "medical": "medical", "business": "business"}
        remaining = _round_yuan(rng.uniform(60_000, np.minimum(0.4 * A0 / 100, 400_000)), 100)
        X = A0 - remaining  # at least 60 % of the balance; 60k-400k stays (clear of the 50k and 500k floors)
        day = cal.day(e, rng.integers(5, 21, n))
        ts = day * _DAY_S + _secs(rng, n, 9.5, 16)
        cash = (rng.random(n) < 0.25) & (cat != "medical")
        cpn = np.full(n, -1, dtype=np.int64)
        memo = np.empty(n, dtype=np.int64)
        pur = np.empty(n, dtype=np.int64)
        for cname in cats:
            sel = cat == cname
            k = int(sel.sum())
            if not k:
                continue
            cpn[sel] = pool.pick(rng, f"cp_{cname}", k)
            opts = np.array([pool.id(m) for m in memos[cname]])
            memo[sel] = opts[rng.integers(0, len(opts), k)]
            pur[sel] = _SP[purpose[cname]]
        cpb = self._other_bank(n)
        cpa = self.ctx.extra["company_accounts"][np.maximum(cpn, 0)]
        cpn = np.where(cash, -1, cpn)
        cpb = np.where(cash, -1, cpb)
        cpa = np.where(cash, 0, cpa)
        self.tx.add(dd, ts, _DEBIT, X, np.where(cash, _TT["cash_withdrawal"], _TT["transfer_out"]), _CH["counter"],
                    cpn, cpb, cpa, memo)
        reg = cash | (rng.random(n) < 0.65)
        if reg.any():
            self._registration(ci[reg], day[reg], X[reg], pur[reg])
        self._quiet(ci, dd, 0, cal.M - 1, S)
        self._regular_contacts(ci, _TIER_ROLE[self.tier0[ci]], 0, cal.M - 1)
        self._gt("churn", ci, e, "consumption", False)
        self._plant(ci, "churn_consumption", np.where(cash, "cash_" + cat.astype(str), "transfer_" + cat.astype(str)))
        return True

    def plant_special(self, ci):
        """Special churn: a broker parks 1.5-5 million in the last 4 days of a month (mostly quarter ends) and
        takes 92-100 % of it out in the first 3 days after; the event is the month of the outflow."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        lo, hi = 1, cal.Mf - 2
        if lo > hi:
            return False
        cands = np.arange(lo, hi + 1)
        quarter = cands[np.isin(cal.cal_month[cands], (3, 6, 9, 12))]
        e = cands[rng.integers(0, len(cands), n)]
        if len(quarter):
            qe = quarter[rng.integers(0, len(quarter), n)]
            e = np.where(rng.random(n) < 0.7, qe, e)
        L = _round_yuan(rng.uniform(3_000, 20_000, n), 100)
        S = _round_yuan(rng.uniform(2_000, 5_000, n), 100)
        Y = _round_yuan(_loguni(rng, 1_500_000, 5_000_000, n), 10_000)
        self.tier0[ci] = 1
        dd = self._dd(ci, L)
        in_day = cal.month_last[e] - rng.integers(0, 4, n)
        broker_co = rng.random(n) < 0.5
        cpn = np.where(broker_co, pool.pick(rng, "companies", n), pool.pick(rng, "names", n))
        cpb = self._other_bank(n)
        cpa = self.ctx.extra["company_accounts"][cpn]
        memo = np.where(rng.random(n) < 0.5, pool.id("往来款"), -1)
        chan = np.where(rng.random(n) < 0.6, _CH["counter"], _CH["online"])
        self.tx.add(dd, in_day * _DAY_S + _secs(rng, n, 10, 16), _CREDIT, Y, _TT["transfer_in"], chan, cpn, cpb, cpa,
                    memo)
        # all of it goes back but the depositor's fee (0.1-0.3 %), so the customer stays mass afterwards
        out_total = Y - _round_yuan(Y / 100 * rng.uniform(0.001, 0.003, n), 100)
        two = rng.random(n) < 0.4
        first = np.where(two, _round_yuan(out_total / 100 * rng.uniform(0.55, 0.7, n), 100), out_total)
        d1 = cal.month_start[e + 1] + rng.integers(0, 2, n)
        self.tx.add(dd, d1 * _DAY_S + _secs(rng, n, 9, 12), _DEBIT, first, _TT["transfer_out"], chan, cpn, cpb, cpa,
                    memo)
        if two.any():
            d2 = d1[two] + rng.integers(1, 3, int(two.sum()))
            self.tx.add(dd[two], d2 * _DAY_S + _secs(rng, int(two.sum()), 13, 16), _DEBIT, (out_total - first)[two],
                        _TT["transfer_out"], chan[two], cpn[two], cpb[two], cpa[two], memo[two])
        self._quiet(ci, dd, 0, cal.M - 1, S)
        self._regular_contacts(ci, _RL["teller"], 0, cal.M - 1)
        self._gt("churn", ci, e + 1, "special", False)
        self._plant(ci, "churn_special", np.where(two, "two_outflows", "one_outflow"))
        return True

    def plant_potential(self, ci):
        """Potential: a lead with no account, or an account opened and never funded."""
        rng, cal = self.rng, self.cal
        n = len(ci)
        self.tier0[ci] = 0
        opened = _split(rng, n, [0.5, 0.5]) == 1
        if opened.any():
            self._dd(ci[opened], 0)
        att = rng.random(n) < 0.6
        if att.any():
            self._regular_contacts(ci[att], _RL["lobby_manager"], rng.integers(0, cal.M, int(att.sum())),
                                   cal.M - 1, per_month=1, reached=False)
        self._gt("life", ci, np.zeros(n, np.int64), "potential")
        for m in range(1, cal.Mf):
            self._gt("life", ci, m, "potential")
        self._plant(ci, "life_potential", np.where(opened, "unfunded_account", "no_account"))
        return True

    def plant_development(self, ci):
        """Development: onboarded and first funded inside the window; also the 'new' tier movement."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        f = self._pick_months(n, 1, cal.Mf - 2)
        if f is None:
            return False
        self.onb[ci] = cal.day(f, rng.integers(3, 21, n))
        self.tier0[ci] = 1
        dd = self._dd(ci, 0)
        F = _round_yuan(rng.uniform(5_000, 35_000, n), 100)
        S = _round_yuan(rng.uniform(2_000, 5_000, n), 100)
        cash = rng.random(n) < 0.6
        ts = self.onb[ci] * _DAY_S + _secs(rng, n, 10, 16)
        self.tx.add(dd, ts, _CREDIT, F, np.where(cash, _TT["cash_deposit"], _TT["transfer_in"]),
                    np.where(cash, _CH["counter"], _CH["mobile"]), np.where(cash, -1, self._own(ci)),
                    np.where(cash, -1, self._other_bank(n)), np.where(cash, 0, self.card[ci]),
                    np.where(cash, pool.id("开户存入"), pool.id("他行转入")))
        self._quiet(ci, dd, f + 1, cal.M - 1, S)
        self._regular_contacts(ci, _RL["teller"], f, cal.M - 1)
        for k in range(5):
            m = f + k
            sel = m <= cal.Mf - 1
            self._gt("life", ci[sel], m[sel], "development")
        self._gt("tier", ci, f, "new", "none", "mass")
        for m in range(1, cal.Mf):
            sel = m > f
            self._gt("tier", ci[sel], m, "stable", "mass", "mass")
        self._plant(ci, "life_development", np.where(cash, "cash_deposit", "transfer_in"))
        return True

    def plant_growth(self, ci):
        """Growth: a stable affluent customer brings in a quarter of the starting balance every month."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        g = self._pick_months(n, 3, cal.Mf - 2)
        if g is None:
            return False
        L0 = _round_yuan(rng.uniform(80_000, 150_000, n), 100)
        S = _round_yuan(rng.uniform(3_000, 8_000, n), 100)
        self.tier0[ci] = 2
        dd = self._dd(ci, L0)
        step = _round_yuan(L0 / 100 * 0.25, 100)
        r, m = np.nonzero(np.arange(cal.M)[None, :] >= g[:, None])
        k = len(r)
        day = cal.day(m, rng.integers(2, 5, k))
        self.tx.add(dd[r], day * _DAY_S + _secs(rng, k, 10, 16), _CREDIT, step[r], _TT["transfer_in"],
                    np.where(rng.random(k) < 0.7, _CH["mobile"], _CH["online"]), self._own(ci[r]),
                    self._other_bank(k), self.card[ci[r]],
                    np.where(rng.random(k) < 0.5, pool.id("他行转入"), pool.id("资金归集")))
        self._quiet(ci, dd, 0, cal.M - 1, S)
        self._regular_contacts(ci, _RL["lobby_manager"], 0, cal.M - 1)
        for m in range(cal.Mf):
            sel = m >= g
            self._gt("life", ci[sel], m, "growth")
        self._plant(ci, "life_growth", "monthly_inflow_25pct")
        return True

    def plant_maturity(self, ci):
        """Maturity: a long-standing customer whose balances and habits do not change."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        L0 = _round_yuan(_loguni(rng, 20_000, 400_000, n), 100)
        S = _round_yuan(rng.uniform(3_000, 9_000, n), 100)
        mat = cal.end_day + rng.integers(30, 300, n)
        td = (rng.random(n) < 0.4) & (mat - 1095 < cal.start_day - 30)
        P = np.where(td, _round_yuan(rng.uniform(50_000, 300_000, n), 1000), 0)
        ins = rng.random(n) < 0.2
        V = np.where(ins, _round_yuan(rng.uniform(10_000, 100_000, n), 100), 0)
        L0 = L0 + (_clear_of_floors(L0 + P + V) - (L0 + P + V))
        self.tier0[ci] = np.where(L0 + P + V >= 50_000 * 100, np.where(L0 + P + V >= 500_000 * 100, 3, 2), 1)
        dd = self._dd(ci, L0)
        if td.any():
            self.onb[ci[td]] = np.minimum(self.onb[ci[td]], mat[td] - 1095 - 30)
            self.acc.add(ci[td], _PT["time_deposit"], pool.id("TD-3Y"), mat[td] - 1095, mat[td], NODAY, 15_500,
                         P[td], planted=True)
        if ins.any():
            k = int(ins.sum())
            self.acc.add(ci[ins], _PT["insurance"], pool.pick(rng, "ins_codes", k),
                         self.onb[ci[ins]] + rng.integers(1, 200, k), opening=V[ins], planted=True)
        self._quiet(ci, dd, 0, cal.M - 1, S)
        self._regular_contacts(ci, _TIER_ROLE[self.tier0[ci]], 0, cal.M - 1)
        for m in range(3, cal.Mf):
            self._gt("life", ci, m, "maturity")
        self._plant(ci, "life_maturity", np.where(td, "with_time_deposit", "demand_only"))
        return True

    def plant_decline(self, ci):
        """Decline: an affluent customer moves 15 % of the balance out each month for four months (each fall
        stays under 30 % and 50k, so no churn event); the stage is decline from the third month on."""
        rng, cal = self.rng, self.cal
        n = len(ci)
        d = self._pick_months(n, 1, cal.Mf - 3)
        if d is None:
            return False
        L0 = _round_yuan(rng.uniform(200_000, 320_000, n), 100)
        S = _round_yuan(rng.uniform(2_000, 5_000, n), 100)
        self.tier0[ci] = 2
        dd = self._dd(ci, L0)
        bal = L0.copy()
        for j in range(4):
            m = d + j
            sel = m <= cal.M - 1
            x = np.round(bal * 0.15).astype(np.int64)
            if sel.any():
                k = int(sel.sum())
                self._leave(ci[sel], dd[sel], cal.day(m[sel], rng.integers(2, 5, k)), x[sel])
            bal = bal - np.where(sel, x, 0)
        self._quiet(ci, dd, 0, cal.M - 1, S)
        self._regular_contacts(ci, _RL["lobby_manager"], 0, cal.M - 1)
        for m in range(cal.Mf):
            sel = (m >= d + 2) & (m <= d + 10)
            self._gt("life", ci[sel], m, "decline")
        self._plant(ci, "life_decline", "four_outflows_15pct")
        return True

    def plant_termination(self, ci):
        """Termination: the only account is emptied in cash and closed, or emptied by transfer and left idle
        for six months. Either way the first month without money is also an (unclassified) churn event."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        t = self._pick_months(n, 1, cal.Mf - 2)
        if t is None:
            return False
        idle_ok = cal.Mf - 7 >= 0
        idle = (_split(rng, n, [0.6, 0.4]) == 1) & idle_ok
        t = np.where(idle, rng.integers(0, max(cal.Mf - 7, 0) + 1, n), t)
        L = _round_yuan(rng.uniform(5_000, 40_000, n), 100)
        S = _round_yuan(rng.uniform(2_000, 4_000, n), 100)
        self.tier0[ci] = 1
        day = cal.day(t, rng.integers(6, 21, n))
        dd = self.acc.add(ci, _PT["demand_deposit"], pool.id("DD-I"), self.onb[ci], closed=np.where(idle, NODAY, day),
                          rate=500, opening=L, planted=True)
        self._quiet(ci, dd, 0, t - 1, S)
        close = ~idle
        if close.any():
            k = int(close.sum())
            self.tx.add(dd[close], day[close] * _DAY_S + _secs(rng, k, 9.5, 16), _DEBIT, L[close],
                        _TT["cash_withdrawal"], _CH["counter"], memo=pool.id("销户"))
        if idle.any():
            self._leave(ci[idle], dd[idle], day[idle], L[idle], to_firm_share=0.0)
        self._regular_contacts(ci, _RL["teller"], 0, np.where(idle, cal.M - 1, t))
        for m in range(cal.Mf):
            sel = np.where(idle, m >= t + 6, m >= t)
            self._gt("life", ci[sel], m, "termination")
        self._gt("churn", ci, np.where(idle, t + 1, t), "unclassified", False)
        self._plant(ci, "life_termination", np.where(idle, "emptied_idle_6_months", "closed"))
        return True

    def plant_upgrade(self, ci):
        """Tier upgrade: a large inflow on the 2nd of a month lifts the customer one tier, then stays."""
        rng, cal, pool = self.rng, self.cal, self.pool
        n = len(ci)
        u = self._pick_months(n, 1, cal.Mf - 1)
        if u is None:
            return False
        start = 1 + _split(rng, n, [0.45, 0.4, 0.15])
        lo = np.array([0, 5_000, 80_000, 900_000])[start]
        hi = np.array([0, 30_000, 350_000, 3_000_000])[start]
        L0 = _round_yuan(rng.uniform(lo, hi), 100)
        tlo = np.array([0, 150_000, 900_000, 8_000_000])[start]
        thi = np.array([0, 400_000, 3_000_000, 15_000_000])[start]
        N = _round_yuan(rng.uniform(tlo, thi), 1000)
        S = _round_yuan(rng.uniform(3_000, 9_000, n), 100)
        self.tier0[ci] = start
        # wealth customers keep most of the money in a 3-year deposit maturing after the window
        in_td = (start == 3) & (cal.end_day + 300 - 1095 < cal.start_day - 30)
        dd_open = np.where(in_td, _round_yuan(L0 / 100 * 0.3, 100), L0)
        dd = self._dd(ci, dd_open)
        if in_td.any():
            k = int(in_td.sum())
            mat = cal.end_day + rng.integers(30, 300, k)
            self.onb[ci[in_td]] = np.minimum(self.onb[ci[in_td]], mat - 1095 - 30)
            self.acc.add(ci[in_td], _PT["time_deposit"], pool.id("TD-3Y"), mat - 1095, mat, NODAY, 15_500,
                         (L0 - dd_open)[in_td], planted=True)
        day = cal.day(u, 2)
        inflow = N - L0
        co = rng.random(n) < 0.35
        cpn = np.where(co, pool.pick(rng, "companies", n), self._own(ci))
        cpa = np.where(co, self.ctx.extra["company_accounts"][cpn], self.card[ci])
        memo = np.where(co, pool.id("分红"), np.where(rng.random(n) < 0.5, pool.id("资金归集"), -1))
        self.tx.add(dd, day * _DAY_S + _secs(rng, n, 10, 15), _CREDIT, inflow, _TT["transfer_in"],
                    np.where(rng.random(n) < 0.5, _CH["counter"], _CH["online"]), cpn, self._other_bank(n), cpa, memo)
        # richer ones buy a wealth product a few days later (an internal move: AUM unchanged)
        buy = start >= 2
        if buy.any():
            k = int(buy.sum())
            c = ci[buy]
            bday = day[buy] + rng.integers(2, 6, k)
            amt = _round_yuan(inflow[buy] / 100 * rng.uniform(0.6, 0.8, k), 1000)
            wm = self.acc.add(c, _PT["wealth_product"], pool.id("WM-730D"), bday, bday + 730, NODAY, 27_000, 0,
                              planted=True)
            ts = bday * _DAY_S + _secs(rng, k, 10, 15)
            own = self._own(c)
            self.tx.add(dd[buy], ts, _DEBIT, amt, _TT["product_purchase"], _CH["counter"], own,
                        pool.id(OWN_BANK_CODE), _internal(wm), pool.id("购买理财"))
            self.tx.add(wm, ts + 1, _CREDIT, amt, _TT["product_purchase"], _CH["counter"], own,
                        pool.id(OWN_BANK_CODE), _internal(dd[buy]), pool.id("购买理财"))
        self._quiet(ci, dd, 0, cal.M - 1, S)
        self._regular_contacts(ci, _TIER_ROLE[start], 0, cal.M - 1)
        tb = np.array(TIERS, dtype=object)[start]
        ta = np.array(TIERS, dtype=object)[start + 1]
        for m in range(1, cal.Mf):
            self._gt("tier", ci[m < u], m, "stable", tb[m < u], tb[m < u])
            self._gt("tier", ci[m == u], m, "upgrade", tb[m == u], ta[m == u])
            self._gt("tier", ci[m > u], m, "stable", ta[m > u], ta[m > u])
        self._plant(ci, "tier_upgrade", tb + "_to_" + ta)
        return True

    def plant_downgrade(self, ci):
        """Tier downgrade: on the 1st of a month the customer moves money to another bank, one tier down (or all
        of it: 'lost'). No signal of any type is planted, so the churn event is unclassified."""
        rng, cal = self.rng, self.cal
        n = len(ci)
        w = self._pick_months(n, 1, cal.Mf - 1)
        if w is None:
            return False
        # private, wealth, affluent down one tier; mass, affluent down to none ('lost')
        kind = _split(rng, n, [0.12, 0.25, 0.3, 0.13, 0.2])
        start = np.array([4, 3, 2, 1, 2])[kind]
        lost = kind >= 3
        lo = np.array([0, 10_000, 100_000, 900_000, 8_000_000])[start]
        hi = np.array([0, 40_000, 400_000, 3_000_000, 15_000_000])[start]
        L0 = _round_yuan(rng.uniform(lo, hi), 100)
        nlo = np.array([0, 0, 5_000, 100_000, 1_000_000])[start]
        nhi = np.array([0, 0, 30_000, 350_000, 3_000_000])[start]
        N = np.where(lost, 0, _round_yuan(rng.uniform(nlo, nhi), 100))
        after = np.where(lost, 0, start - 1)
        S = _round_yuan(rng.uniform(3_000, 9_000, n), 100)
        self.tier0[ci] = start
        dd = self._dd(ci, L0)
        day = cal.day(w, 1)
        self._leave(ci, dd, day, L0 - N, hours=(9, 11), to_firm_share=0.25)
        self._quiet(ci, dd, 0, np.where(lost, w - 1, cal.M - 1), S)
        self._regular_contacts(ci, _TIER_ROLE[start], 0, cal.M - 1)
        tb = np.array(TIERS, dtype=object)[start]
        ta = np.array(TIERS, dtype=object)[after]
        for m in range(1, cal.Mf):
            self._gt("tier", ci[m < w], m, "stable", tb[m < w], tb[m < w])
            sel = m == w
            self._gt("tier", ci[sel], m, np.where(lost[sel], "lost", "downgrade"), tb[sel], ta[sel])
            sel = (m > w) & ~lost
            self._gt("tier", ci[sel], m, "stable", ta[sel], ta[sel])
        self._gt("churn", ci, w, "unclassified", False)
        self._plant(ci, "tier_downgrade", tb + "_to_" + ta)
        return True

    # ---------------------------------------------------------------- background
    def background(self):
        rng, cal, pool, tx = self.rng, self.cal, self.pool, self.tx
        ci = np.nonzero((self.group == 0) & ~self.prospect)[0]
        n = len(ci)
        if n == 0:
            return
        seg = self.seg[ci].astype(np.int64)
        new = rng.random(n) < 0.06
        onb = np.where(new, rng.integers(cal.start_day, max(cal.end_day - 20, cal.start_day) + 1, n), self.onb[ci])
        self.onb[ci] = onb
        # total assets by segment
        T = np.select(
            [seg == 1, seg == 2, seg == 3, seg == 4],
            # kept clear of the tier floors so that ordinary drift rarely changes the tier
            [np.clip(np.exp(rng.normal(math.log(12_000), 0.9, n)), 300, 38_000), _loguni(rng, 70_000, 440_000, n),
             _loguni(rng, 600_000, 5_000_000, n), _loguni(rng, 7_000_000, 30_000_000, n)])
        old = ~new
        shares = {}
        for name, p, a, b in (("td", (0, .2, .5, .6, .6), .2, .6), ("wm", (0, .05, .35, .7, .8), .1, .4),
                              ("fund", (0, .05, .25, .4, .5), .05, .2), ("ins", (0, .03, .15, .3, .4), .05, .15)):
            has = (rng.random(n) < np.array(p)[seg]) & old
            shares[name] = np.where(has, rng.uniform(a, b, n), 0.0)
        tot = sum(shares.values())
        scale = np.where(tot > 0.85, 0.85 / np.maximum(tot, 1e-9), 1.0)
        for k in shares:
            shares[k] = shares[k] * scale
        dd_level = _cents(T * (1 - sum(shares.values())))
        dd_level = np.maximum(dd_level, 10_000)
        own = self._own(ci)
        OWN = pool.id(OWN_BANK_CODE)
        dd = self.acc.add(ci, _PT["demand_deposit"], pool.id("DD-I"), onb, rate=500,
                          opening=np.where(new, 0, dd_level))
        if new.any():
            k = int(new.sum())
            cash = rng.random(k) < 0.6
            tx.add(dd[new], onb[new] * _DAY_S + _secs(rng, k, 9.5, 11.5), _CREDIT, dd_level[new],
                   np.where(cash, _TT["cash_deposit"], _TT["transfer_in"]),
                   np.where(cash, _CH["counter"], _CH["mobile"]),
                   np.where(cash, -1, own[new]), np.where(cash, -1, self._other_bank(k)),
                   np.where(cash, 0, self.card[ci[new]]), np.where(cash, pool.id("开户存入"), pool.id("他行转入")))
        # income
        u = rng.random(n)
        p_sal = np.array([0, .65, .6, .5, .4])[seg]
        p_pen = np.array([0, .15, .2, .1, .1])[seg]
        dormant = rng.random(n) < 0.08
        income_kind = np.where(dormant, 0, np.where(u < p_sal, 1, np.where(u < p_sal + p_pen, 2, 0)))
        sal_med = np.array([0, 7_000, 15_000, 40_000, 80_000])[seg]
        pen_med = np.array([0, 3_500, 6_000, 9_000, 12_000])[seg]
        S = np.where(income_kind == 1, np.clip(sal_med * np.exp(rng.normal(0, 0.35, n)), 2_500, 300_000),
                     np.where(income_kind == 2, pen_med * np.exp(rng.normal(0, 0.2, n)), 0))
        S = _round_yuan(S, 1)
        payday = rng.choice([5, 8, 10, 15, 20, 25], n)
        wf = np.array([0, 1.0, 1.8, 3.0, 5.0])[seg]
        activity = np.where(dormant, 0.08, 1.0)

        # ---- own-bank products opened before the window
        def product(name, ptype, catalogue):
            has = shares[name] > 0
            c = np.nonzero(has)[0]
            k = len(c)
            codes = list(catalogue)
            pick = rng.integers(0, len(codes), k)
            term = np.array([catalogue[x][0] for x in codes])[pick]
            rate = np.array([catalogue[x][1] for x in codes])[pick]
            code = np.array([pool.id(x) for x in codes])[pick]
            lo = np.maximum(onb[c], cal.start_day - term + 1)
            open_d = lo + (rng.random(k) * (cal.start_day - lo)).astype(np.int64)
            mat = open_d + term
            principal = _round_yuan(T[c] * shares[name][c], 100)
            pos = self.acc.add(ci[c], ptype, code, open_d, mat, np.where(mat <= cal.end_day, mat, NODAY), rate,
                               principal)
            return c, pos, principal, rate, mat, np.full(k, ptype == _PT["wealth_product"]), open_d

        pend = [product("td", _PT["time_deposit"], _TD_PRODUCTS), product("wm", _PT["wealth_product"], _WM_PRODUCTS)]
        # maturities inside the window pay out to the demand account and mostly roll over into a new product
        c = np.concatenate([p[0] for p in pend])
        pos = np.concatenate([p[1] for p in pend])
        principal = np.concatenate([p[2] for p in pend])
        rate = np.concatenate([p[3] for p in pend])
        mat = np.concatenate([p[4] for p in pend])
        is_wm = np.concatenate([p[5] for p in pend])
        opened = np.concatenate([p[6] for p in pend])
        for _round in range(8):
            due = mat <= cal.end_day
            if not due.any():
                break
            c, pos, principal, rate, mat, is_wm, opened = (
                x[due] for x in (c, pos, principal, rate, mat, is_wm, opened))
            k = len(c)
            interest = np.maximum(np.round(principal * rate / 1e6 * (mat - opened) / 365), 1).astype(np.int64)
            total = self._maturity(ci[c], pos, dd[c], mat, principal, interest, is_wm)
            roll_day = mat + rng.integers(0, 9, k)
            roll = (rng.random(k) < 0.7) & (roll_day <= cal.end_day)
            if not roll.any():
                break
            c, total, roll_day, is_wm = c[roll], total[roll], roll_day[roll], is_wm[roll]
            k = len(c)
            amt = (total // 10_000) * 10_000
            codes_td, codes_wm = list(_TD_PRODUCTS), list(_WM_PRODUCTS)
            p_td = rng.integers(0, len(codes_td), k)
            p_wm = rng.integers(0, len(codes_wm), k)
            term = np.where(is_wm, np.array([_WM_PRODUCTS[x][0] for x in codes_wm])[p_wm],
                            np.array([_TD_PRODUCTS[x][0] for x in codes_td])[p_td])
            rate = np.where(is_wm, np.array([_WM_PRODUCTS[x][1] for x in codes_wm])[p_wm],
                            np.array([_TD_PRODUCTS[x][1] for x in codes_td])[p_td])
            code = np.where(is_wm, np.array([pool.id(x) for x in codes_wm])[p_wm],
                            np.array([pool.id(x) for x in codes_td])[p_td])
            mat = roll_day + term
            pos = self.acc.add(ci[c], np.where(is_wm, _PT["wealth_product"], _PT["time_deposit"]), code, roll_day, mat,
                               np.where(mat <= cal.end_day, mat, NODAY), rate, 0)
            ts = roll_day * _DAY_S + _secs(rng, k, 9.5, 16)
            memo = np.where(is_wm, pool.id("购买理财"), pool.id("转存定期"))
            chan = np.where(rng.random(k) < 0.5, _CH["counter"], _CH["mobile"])
            tx.add(dd[c], ts, _DEBIT, amt, _TT["product_purchase"], chan, own[c], OWN, _internal(pos), memo)
            tx.add(pos, ts + 1, _CREDIT, amt, _TT["product_purchase"], chan, own[c], OWN, _internal(dd[c]), memo)
            principal, opened = amt, roll_day

        # ---- funds: opened before the window, some with a monthly instalment, a few redeemed
        has = shares["fund"] > 0
        fc = np.nonzero(has)[0]
        k = len(fc)
        fopen = onb[fc] + (rng.random(k) * (cal.start_day - onb[fc])).astype(np.int64)
        fbal = _round_yuan(T[fc] * shares["fund"][fc], 1)
        kind = rng.random(k)
        full_redeem = (kind < 0.05)
        fclose = np.where(full_redeem, rng.integers(cal.start_day + 1, cal.end_day + 1, k), NODAY)
        fpos = self.acc.add(ci[fc], _PT["fund"], pool.pick(rng, "fund_codes", k), fopen, closed=fclose, opening=fbal)
        dingtou = (kind > 0.5) & (income_kind[fc] > 0)
        partial = (kind >= 0.05) & (kind < 0.15)
        if full_redeem.any():
            s = full_redeem
            ts = fclose[s] * _DAY_S + _secs(rng, int(s.sum()), 9.5, 15)
            tx.add(fpos[s], ts, _DEBIT, fbal[s], _TT["product_redemption"], _CH["mobile"], own[fc[s]], OWN,
                   _internal(dd[fc[s]]), pool.id("基金赎回"))
            tx.add(dd[fc[s]], ts, _CREDIT, fbal[s], _TT["product_redemption"], _CH["mobile"], own[fc[s]], OWN,
                   _internal(fpos[s]), pool.id("基金赎回"))
        if partial.any():
            s = partial
            kk = int(s.sum())
            day = rng.integers(cal.start_day + 1, cal.end_day + 1, kk)
            amt = np.round(fbal[s] * rng.uniform(0.1, 0.3, kk)).astype(np.int64)
            ts = day * _DAY_S + _secs(rng, kk, 9.5, 15)
            tx.add(fpos[s], ts, _DEBIT, amt, _TT["product_redemption"], _CH["mobile"], own[fc[s]], OWN,
                   _internal(dd[fc[s]]), pool.id("基金赎回"))
            tx.add(dd[fc[s]], ts, _CREDIT, amt, _TT["product_redemption"], _CH["mobile"], own[fc[s]], OWN,
                   _internal(fpos[s]), pool.id("基金赎回"))
        if dingtou.any():
            s = np.nonzero(dingtou)[0]
            amt = _round_yuan(np.minimum(rng.uniform(300, 3_000, len(s)) * wf[fc[s]], S[fc[s]] / 100 * 0.2), 100)
            ok = amt > 0
            s, amt = s[ok], amt[ok]
            dday = rng.integers(1, 29, len(s))
            r = np.repeat(np.arange(len(s)), cal.M)
            m = np.tile(np.arange(cal.M), len(s))
            day = cal.day(m, dday[r])
            keep = (day <= cal.end_day)
            r, day = r[keep], day[keep]
            ts = day * _DAY_S + 7 * 3600 + rng.integers(0, 1800, len(r))
            j = fc[s[r]]
            tx.add(dd[j], ts, _DEBIT, amt[r], _TT["product_purchase"], -1, own[j], OWN, _internal(fpos[s[r]]),
                   pool.id("基金定投"))
            tx.add(fpos[s[r]], ts, _CREDIT, amt[r], _TT["product_purchase"], -1, own[j], OWN, _internal(dd[j]),
                   pool.id("基金定投"))

        # ---- insurance (cash value), some pay an annual premium
        ic = np.nonzero(shares["ins"] > 0)[0]
        k = len(ic)
        iopen = onb[ic] + (rng.random(k) * (cal.start_day - onb[ic])).astype(np.int64)
        ipos = self.acc.add(ci[ic], _PT["insurance"], pool.pick(rng, "ins_codes", k), iopen,
                            opening=_round_yuan(T[ic] * shares["ins"][ic], 1))
        prem = rng.random(k) < 0.3
        if prem.any():
            s = prem
            kk = int(s.sum())
            day = rng.integers(cal.start_day + 1, cal.end_day + 1, kk)
            amt = _round_yuan(rng.uniform(3_000, 20_000, kk) * wf[ic[s]], 100)
            ts = day * _DAY_S + 6 * 3600 + rng.integers(0, 3600, kk)
            tx.add(dd[ic[s]], ts, _DEBIT, amt, _TT["product_purchase"], -1, own[ic[s]], OWN, _internal(ipos[s]),
                   pool.id("保费"))
            tx.add(ipos[s], ts, _CREDIT, amt, _TT["product_purchase"], -1, own[ic[s]], OWN, _internal(dd[ic[s]]),
                   pool.id("保费"))

        # ---- loans (not AUM): monthly repayment from the demand account, at most 45 % of income
        p_loan = np.array([0, .08, .15, .10, .05])[seg]
        lc = np.nonzero((rng.random(n) < p_loan) & old & (income_kind > 0))[0]
        k = len(lc)
        if k:
            lk = rng.choice(3, k, p=[0.6, 0.3, 0.1])
            outstanding = np.select([lk == 0, lk == 1, lk == 2], [rng.uniform(200_000, 1_500_000, k),
                                                                  rng.uniform(20_000, 200_000, k),
                                                                  rng.uniform(50_000, 300_000, k)])
            rem = np.where(lk == 0, rng.integers(max(cal.M + 2, 24), 301, k), rng.integers(cal.M + 2, cal.M + 61, k))
            pay = np.minimum(outstanding / rem, 0.45 * S[lc] / 100)
            pay_c = _round_yuan(pay, 1)
            ok = pay_c > 0
            lc, lk, rem, pay_c = lc[ok], lk[ok], rem[ok], pay_c[ok]
            k = len(lc)
            out_c = pay_c * rem + _round_yuan(rng.uniform(0, 1000, k), 1)
            lopen = onb[lc] + (rng.random(k) * (cal.start_day - onb[lc])).astype(np.int64)
            codes = np.array([pool.id("LN-MORT"), pool.id("LN-CONS"), pool.id("LN-AUTO")])[lk]
            lrate = np.array([30_500, 34_500, 35_000])[lk]
            lpos = self.acc.add(ci[lc], _PT["loan"], codes, lopen, lopen + rem * 30 + 365, NODAY, lrate, out_c)
            lday = rng.integers(1, 29, k)
            r = np.repeat(np.arange(k), cal.M)
            m = np.tile(np.arange(cal.M), k)
            day = cal.day(m, lday[r])
            keep = day <= cal.end_day
            r, day = r[keep], day[keep]
            ts = day * _DAY_S + 6 * 3600 + rng.integers(0, 600, len(r))
            j = lc[r]
            tx.add(dd[j], ts, _DEBIT, pay_c[r], _TT["loan_repayment"], -1, own[j], OWN, _internal(lpos[r]),
                   pool.id("贷款还款"))
            tx.add(lpos[r], ts, _DEBIT, pay_c[r], _TT["loan_repayment"], -1, own[j], OWN, _internal(dd[j]),
                   pool.id("贷款还款"))
            loan_cells = (j, m[keep], pay_c[r])
        else:
            loan_cells = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))

        # ---- a second demand account closed during the window (balance moved to the main one)
        sc = np.nonzero((rng.random(n) < 0.03) & old)[0]
        k = len(sc)
        if k:
            sopen = onb[sc] + (rng.random(k) * (cal.start_day - onb[sc])).astype(np.int64)
            sclose = rng.integers(cal.start_day + 1, cal.end_day + 1, k)
            sbal = _round_yuan(_loguni(rng, 100, 20_000, k), 0.01)
            spos = self.acc.add(ci[sc], _PT["demand_deposit"], pool.id("DD-II"), sopen, closed=sclose, rate=500,
                                opening=sbal)
            ts = sclose * _DAY_S + _secs(rng, k, 9.5, 16)
            tx.add(spos, ts, _DEBIT, sbal, _TT["transfer_out"], _CH["counter"], own[sc], OWN, _internal(dd[sc]),
                   pool.id("销户转出"))
            tx.add(dd[sc], ts, _CREDIT, sbal, _TT["transfer_in"], _CH["counter"], own[sc], OWN, _internal(spos),
                   pool.id("销户转入"))

        # ---- monthly activity on the main demand account, per (customer, month)
        r = np.repeat(np.arange(n), cal.M)
        m = np.tile(np.arange(cal.M), n)
        act = onb[r] < cal.month_last[m]
        r, m = r[act], m[act]
        cells = len(r)
        credit_sum = np.zeros(cells, dtype=np.int64)
        debit_sum = np.zeros(cells, dtype=np.int64)
        start_after = onb[r]  # activity strictly after the opening day

        def spread(counts, h0, h1, dom=None):
            cell = np.repeat(np.arange(cells), counts)
            if dom is None:
                d = cal.month_start[m[cell]] + (rng.random(len(cell)) * cal.month_days[m[cell]]).astype(np.int64)
            else:
                d = cal.day(m[cell], dom[cell] if np.ndim(dom) else dom)
            keep = d > start_after[cell]
            cell, d = cell[keep], d[keep]
            return cell, d * _DAY_S + _secs(rng, len(cell), h0, h1)

        def post(cell, ts, direction, cents, ttype, chan=-1, cpn=-1, cpb=-1, cpa=0, memo=-1):
            j = r[cell]
            cents = _b(cents, len(cell))
            tx.add(dd[j], ts, direction, cents, ttype, chan, cpn, cpb, cpa, memo)
            target = credit_sum if direction == _CREDIT else debit_sum
            target += np.round(np.bincount(cell, weights=cents, minlength=cells)).astype(np.int64)

        # salary and pension
        has_inc = income_kind[r] > 0
        cell, ts = spread(has_inc.astype(np.int64), 8.5, 11.5, payday[r])
        j = r[cell]
        sal = income_kind[j] == 1
        amt = np.where(sal & (rng.random(len(cell)) < 0.5), np.round(S[j] * rng.normal(1, 0.03, len(cell))), S[j])
        bonus = sal & np.isin(cal.cal_month[m[cell]], (1, 2)) & (rng.random(len(cell)) < 0.3)
        amt = np.where(bonus, amt * 2, amt).astype(np.int64)
        post(cell, ts, _CREDIT, amt, np.where(sal, _TT["salary"], _TT["transfer_in"]), -1,
             np.where(sal, self.employer[ci[j]], pool.groups["pension_payer"][0]),
             np.where(sal, self._other_bank(len(cell)), OWN),
             np.where(sal, self.ctx.extra["company_accounts"][self.employer[ci[j]]], 0),
             np.where(sal, np.where(bonus, pool.id("年终奖"), pool.id("代发工资")), pool.id("养老金")))
        # card purchases
        lam = 3.2 * activity[r]
        cell, ts = spread(rng.poisson(lam), 10, 22)
        j = r[cell]
        amt = _cents(np.clip(np.exp(rng.normal(math.log(60), 0.9, len(cell))) * wf[j], 1, 20_000))
        post(cell, ts, _DEBIT, amt, _TT["transfer_out"], _CH["pos"], pool.pick(rng, "merchants", len(cell)),
             memo=np.where(rng.random(len(cell)) < 0.4, pool.id("消费"), -1))
        # bills
        cell, ts = spread(rng.poisson(1.1 * activity[r]), 8, 23)
        j = r[cell]
        kk = len(cell)
        cats = ("电费", "水费", "燃气费", "物业费", "话费")
        cat = rng.choice(5, kk, p=[0.35, 0.2, 0.15, 0.1, 0.2])
        lo = np.array([80, 30, 30, 150, 30])[cat]
        hi = np.array([400, 120, 200, 800, 200])[cat]
        amt = _cents(rng.uniform(lo, hi) * np.sqrt(wf[j]))
        cpn = np.empty(kk, dtype=np.int64)
        for q, name in enumerate(cats):
            sel = cat == q
            cpn[sel] = pool.pick(rng, f"utility_{name}", int(sel.sum()))
        post(cell, ts, _DEBIT, amt, _TT["transfer_out"], np.where(rng.random(kk) < 0.8, _CH["mobile"], _CH["online"]),
             cpn, memo=np.array([pool.id(x) for x in cats])[cat])
        # ATM cash
        cell, ts = spread(rng.poisson(0.35 * activity[r]), 7, 23)
        j = r[cell]
        amt = np.array([200, 300, 500, 800, 1000, 1500, 2000, 3000])[rng.integers(0, 8, len(cell))] * 100
        amt = amt * np.where(wf[j] > 1, 2, 1)
        post(cell, ts, _DEBIT, amt.astype(np.int64), _TT["cash_withdrawal"], _CH["atm"])
        # counter cash deposits
        cell, ts = spread(rng.poisson(0.08 * activity[r]), 9, 16.5)
        post(cell, ts, _CREDIT, _round_yuan(rng.uniform(500, 20_000, len(cell)), 100), _TT["cash_deposit"],
             _CH["counter"], memo=np.where(rng.random(len(cell)) < 0.5, pool.id("现金存入"), -1))
        # person-to-person transfers
        for direction, lam_p, ttype, memo_g in ((_DEBIT, 0.35, "transfer_out", "memo_p2p_out"),
                                                (_CREDIT, 0.25, "transfer_in", "memo_p2p_in")):
            cell, ts = spread(rng.poisson(lam_p * activity[r]), 7, 23.9)
            kk = len(cell)
            j = r[cell]
            amt = _round_yuan(_loguni(rng, 100, 5_000, kk) * wf[j], 1)
            here = rng.random(kk) < 0.25
            post(cell, ts, direction, amt, _TT[ttype], np.where(rng.random(kk) < 0.85, _CH["mobile"], _CH["online"]),
                 pool.pick(rng, "names", kk), np.where(here, OWN, self._other_bank(kk)),
                 rng.integers(6_210_000_000_000_000, 6_299_999_999_999_999, kk),
                 np.where(rng.random(kk) < 0.3, -1, pool.pick(rng, memo_g, kk)))
        # fees: SMS notice monthly for some, an annual fee once for a few
        sms = rng.random(n) < 0.3
        cell, ts = spread(sms[r].astype(np.int64), 1, 1.5, 25)
        post(cell, ts, _DEBIT, np.full(len(cell), 200), _TT["fee"], memo=pool.id("短信服务费"))
        fee_month = rng.integers(0, cal.M, n)
        annual = rng.random(n) < 0.15
        cell, ts = spread((annual[r] & (m == fee_month[r])).astype(np.int64), 1, 1.5, 15)
        post(cell, ts, _DEBIT, np.full(len(cell), 1000), _TT["fee"], memo=pool.id("年费"))
        # quarterly interest on the 21st (结息)
        q = np.isin(cal.cal_month[m], (3, 6, 9, 12))
        cell, ts = spread(q.astype(np.int64), 0.5, 0.6, 21)
        j = r[cell]
        post(cell, ts, _CREDIT, np.maximum(np.round(dd_level[j] * 0.0005 / 4), 1).astype(np.int64), _TT["interest"],
             memo=pool.id("结息"))
        # loan repayments count in the monthly budget
        if len(loan_cells[0]):
            key = loan_cells[0] * cal.M + loan_cells[1]
            cell_key = r * cal.M + m
            idx = np.searchsorted(cell_key, key)
            np.add.at(debit_sum, idx, loan_cells[2])
        # what is left of the month's income goes to a credit-card bill (own bank or another bank's card)
        resid = credit_sum - debit_sum
        pay = (resid > 10_000) & (income_kind[r] > 0)
        counts = pay.astype(np.int64)
        cell, ts = spread(counts, 8, 22, rng.integers(18, 29, cells))
        kk = len(cell)
        j = r[cell]
        amt = np.round(resid[cell] * rng.uniform(0.8, 1.0, kk)).astype(np.int64)
        here = rng.random(kk) < 0.5
        tx.add(dd[j], ts, _DEBIT, amt, _TT["transfer_out"], _CH["mobile"], own[j],
               np.where(here, OWN, self._other_bank(kk)), self.card[ci[j]], pool.id("信用卡还款"))

        # ---- large cash withdrawals with registration (wealthy customers, well under 30 % of assets)
        wc = np.nonzero((seg >= 3) & old & (rng.random(n) < 0.12))[0]
        amt = _round_yuan(np.minimum(rng.uniform(50_000, 120_000, len(wc)), T[wc] * 0.08), 1000)
        ok = amt >= 5_000_000
        wc, amt = wc[ok], amt[ok]
        if len(wc):
            k = len(wc)
            day = rng.integers(cal.start_day + 3, cal.end_day + 1, k)
            tx.add(dd[wc], day * _DAY_S + _secs(rng, k, 9.5, 16), _DEBIT, amt, _TT["cash_withdrawal"], _CH["counter"],
                   memo=np.where(rng.random(k) < 0.5, pool.id("备用金"), -1))
            purpose = rng.choice(len(STATED_PURPOSES), k, p=[0.1, 0.1, 0.05, 0.1, 0.25, 0.4])
            self._registration(ci[wc], day, amt, purpose)

        # ---- contacts by tier (private 4, wealth 2 a month, affluent most months, mass now and then)
        rr = np.repeat(np.arange(n), cal.M)
        mm = np.tile(np.arange(cal.M), n)
        alive = onb[rr] <= cal.month_last[mm]
        rr, mm = rr[alive], mm[alive]
        sg = seg[rr]
        cnt = np.select([sg == 4, sg == 3, sg == 2], [rng.poisson(3.5, len(rr)), rng.poisson(1.8, len(rr)),
                                                      (rng.random(len(rr)) < 0.7).astype(np.int64)],
                        (rng.random(len(rr)) < 0.2).astype(np.int64))
        cell = np.repeat(np.arange(len(rr)), cnt)
        kk = len(cell)
        day = cal.month_start[mm[cell]] + (rng.random(kk) * cal.month_days[mm[cell]]).astype(np.int64)
        ts = day * _DAY_S + _secs(rng, kk, 9, 18)
        j = rr[cell]
        good = np.where(seg[j] >= 3, 0.8, np.where(seg[j] == 2, 0.65, 0.5))
        uo = rng.random(kk)
        out = np.select([uo < good, uo < good + 0.25, uo < good + 0.32],
                        [_CO["reached"], _CO["no_answer"], _CO["refused"]], _CO["wrong_number"])
        chans = np.array([_CC["phone"], _CC["wechat"], _CC["visit"], _CC["sms"]])
        chan = chans[rng.choice(4, kk, p=[0.6, 0.2, 0.15, 0.05])]
        self._contact(ci[j], _TIER_ROLE[seg[j]], ts, chan, out)
        # leads: many are recent (onboarded inside the window); some get a marketing call
        pc = np.nonzero((self.group == 0) & self.prospect)[0]
        recent = rng.random(len(pc)) < 0.4
        self.onb[pc[recent]] = rng.integers(cal.start_day, cal.end_day + 1, int(recent.sum()))
        pc = pc[rng.random(len(pc)) < 0.3]
        if len(pc):
            k = len(pc)
            day = np.maximum(rng.integers(cal.start_day, cal.end_day + 1, k), self.onb[pc])
            day = np.minimum(day, cal.end_day)
            uo = rng.random(k)
            self._contact(pc, _RL["lobby_manager"], day * _DAY_S + _secs(rng, k, 9, 18), _CC["phone"],
                          np.where(uo < 0.4, _CO["reached"], np.where(uo < 0.8, _CO["no_answer"], _CO["refused"])))
        # complaints
        cc = ci[rng.random(n) < 0.015]
        if len(cc):
            k = len(cc)
            lo = np.maximum(self.onb[cc] + 1, cal.start_day)
            day = lo + (rng.random(k) * (cal.end_day + 1 - lo)).astype(np.int64)
            day = np.minimum(day, cal.end_day)
            created = day * _DAY_S + _secs(rng, k, 9, 20)
            resolved = np.where(rng.random(k) < 0.8, created + rng.integers(1, 20, k) * _DAY_S, -(10**15))
            resolved = np.where(resolved > cal.end_ts, -(10**15), resolved)
            self.complaints.append((cc, created, pool.pick(rng, "complaint_all", k), resolved))


# --------------------------------------------------------------------------------------------------------------
# staff and branches


def _branches_and_staff(rng, city, extra, pool, n_branches, cal, branch, seg, prospect):
    city_name, area, _prov, districts = city
    streets = extra["streets"]
    names, seen = [], set()
    for b in range(n_branches):
        dname = districts[b % len(districts)][0]
        base = f"{city_name[:-1]}{dname[:-1]}{streets[(b * 13 + 5) % len(streets)]}支行"
        if base in seen:
            base = f"{base[:-2]}第{b + 1}支行"
        seen.add(base)
        names.append(base)
    b_open = rng.integers(_dn(date(1992, 1, 1)), _dn(date(2018, 12, 31)), n_branches)
    branches = pa.table({
        "branch_id": _ids("B", np.arange(1, n_branches + 1), 3),
        "branch_name": pa.array(names, pa.string()),
        "city": pa.array([city_name] * n_branches, pa.string()),
        "opened_date": _dates(b_open),
    }, schema=table_schema("branches"))

    funded = ~prospect
    per = np.zeros((n_branches, 5), dtype=np.int64)
    np.add.at(per, (branch[funded], seg[funded]), 1)
    ratio = {0: (4, 60, 1), 1: (3, 300, 1), 2: (2, 800, 1), 3: (1, 2500, 2)}  # role -> (tier, customers per staff, min)
    rows = []  # (branch, role, active, hired, left)
    for b in range(n_branches):
        for role in range(4):
            tier, per_staff, min_n = ratio[role]
            k = max(min_n, math.ceil(per[b, tier] / per_staff))
            for _ in range(k):
                rows.append((b, role, True))
        for _ in range(int(rng.poisson(0.8))):
            rows.append((b, int(rng.integers(0, 4)), False))
    rows.sort(key=lambda x: (x[0], x[1], not x[2]))
    st_branch = np.array([r[0] for r in rows], dtype=np.int64)
    st_role = np.array([r[1] for r in rows], dtype=np.int64)
    st_active = np.array([r[2] for r in rows], dtype=bool)
    k = len(rows)
    earliest = np.maximum(b_open[st_branch] + 30, _dn(date(2000, 1, 1)))
    hired = earliest + (rng.random(k) * (cal.start_day - 90 - earliest)).astype(np.int64)
    left = np.where(st_active, NODAY, rng.integers(cal.start_day - 365, cal.end_day - 30, k))
    hired = np.where(st_active, hired, np.minimum(hired, left - 200))
    default_cap = np.array([8, 15, 20, 10])[st_role]
    cap_set = rng.random(k) < 0.15
    cap = np.where(cap_set, np.maximum(default_cap + rng.integers(-3, 5, k), 3), 0)
    staff = pa.table({
        "staff_id": _ids("S", np.arange(1, k + 1), 5),
        "branch_id": branches["branch_id"].combine_chunks().take(pa.array(st_branch)),
        "staff_name": _take(pool.arrow(), pool.pick(rng, "names", k)),
        "role": pa.array(list(ROLES), pa.string()).take(pa.array(st_role)),
        "hired_date": _dates(hired),
        "left_date": _dates(left),
        "daily_capacity": pa.array(cap, pa.int64(), mask=~cap_set),
    }, schema=table_schema("staff"))
    grp_start = np.zeros((n_branches, 4), dtype=np.int64)
    grp_all = np.zeros((n_branches, 4), dtype=np.int64)
    grp_active = np.zeros((n_branches, 4), dtype=np.int64)
    np.add.at(grp_all, (st_branch, st_role), 1)
    np.add.at(grp_active, (st_branch, st_role), st_active.astype(np.int64))
    flat = grp_all.ravel()
    grp_start.ravel()[:] = np.concatenate([[0], np.cumsum(flat)[:-1]])
    return branches, staff, st_role, st_active, grp_start, grp_all, grp_active


# --------------------------------------------------------------------------------------------------------------
# chunk -> arrow tables


def _customers_table(ch: _Chunk, ids: dict) -> pa.Table:
    rng, ctx, cal = ch.rng, ch.ctx, ch.cal
    n = ch.n
    city_name, area, _prov, districts = ctx.city
    pool_arr = ids["pool"]
    # gender and 18-digit resident ID with its ISO 7064 check character
    male = rng.random(n) < 0.5
    local = rng.random(n) < 0.7
    dcodes = np.array([int(c) for _, c in districts])
    acodes = np.where(local, dcodes[rng.integers(0, len(dcodes), n)],
                      np.array([int(c) for c in _OTHER_AREAS])[rng.integers(0, len(_OTHER_AREAS), n)])
    bd = ch.birth.astype("datetime64[D]")
    y = bd.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = bd.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (bd - bd.astype("datetime64[M]")).astype(np.int64) + 1
    seq = rng.integers(0, 500, n) * 2 + np.where(male, 1, 0)
    body = np.concatenate([_digits(acodes, 6), _digits(y * 10_000 + mo * 100 + dd, 8), _digits(seq, 3)], axis=1)
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.frombuffer(b"10X98765432", dtype=np.uint8)[((body - 48).astype(np.int64) @ weights) % 11]
    id_number = _u(np.concatenate([body, check[:, None]], axis=1))
    # mobiles: ~8 % empty, ~1.5 % normalisable (+86, spaces, dashes), ~1.5 % malformed
    pre = np.array(_MOBILE_PREFIXES)[rng.integers(0, len(_MOBILE_PREFIXES), n)]
    mob = _digits(pre * 100_000_000 + rng.integers(0, 100_000_000, n), 11)
    mobile = _u(mob).astype(object)
    u = rng.random(n)
    v = rng.integers(0, 3, n)
    norm = (u >= 0.08) & (u < 0.095)
    bad = (u >= 0.095) & (u < 0.11)
    m3, m4, m5 = _u(mob[:, :3]), _u(mob[:, 3:7]), _u(mob[:, 7:])
    fmt_plus = np.strings.add("+86 ", _u(mob))
    fmt_space = np.strings.add(np.strings.add(np.strings.add(np.strings.add(m3, " "), m4), " "), m5)
    fmt_dash = np.strings.add(np.strings.add(np.strings.add(np.strings.add(m3, "-"), m4), "-"), m5)
    mobile = np.where(norm & (v == 0), fmt_plus, np.where(norm & (v == 1), fmt_space, np.where(norm, fmt_dash, mobile)))
    land_digits = _u(_digits(rng.integers(20_000_000, 89_999_999, n), 8))
    too_short = _u(mob[:, :10])
    starts12 = _u(np.concatenate([np.full((n, 2), [49, 50], dtype=np.uint8), mob[:, 2:]], axis=1))
    landline_like = np.strings.add(f"{area}-", land_digits)
    mobile = np.where(bad & (v == 0), too_short,
                      np.where(bad & (v == 1), starts12, np.where(bad, landline_like, mobile)))
    mobile_mask = u < 0.08
    landline = np.strings.add(f"{area}-", _u(_digits(rng.integers(20_000_000, 89_999_999, n), 8)))
    land_mask = rng.random(n) >= 0.3
    extra = ctx.extra
    email = extra["emails"][rng.integers(0, len(extra["emails"]), n)]
    email_mask = rng.random(n) >= 0.25
    address = extra["addresses"][rng.integers(0, len(extra["addresses"]), n)]
    addr_mask = rng.random(n) < 0.07
    id_mask = rng.random(n) < np.where(ch.prospect, 0.2, 0.01)
    name_idx = np.where(rng.random(n) < 0.003, -1, ch.name_idx)
    # relationship manager: a staff member (possibly one who left) of the role serving the starting tier
    role = _TIER_ROLE[ch.tier0]
    p_rm = np.array([0.03, 0.1, 0.5, 0.85, 0.95])[ch.tier0]
    has_rm = rng.random(n) < p_rm
    g = ch.branch * 4 + role
    rm = ctx.grp_start.ravel()[g] + (rng.random(n) * ctx.grp_all.ravel()[g]).astype(np.int64)
    rm = np.where(has_rm, rm, -1)
    ids["rm"] = rm
    return pa.table({
        "customer_id": ids["customer"],
        "home_branch_id": _take(ctx.branch_ids, ch.branch),
        "customer_name": _take(pool_arr, name_idx),
        "id_number": pa.array(id_number, pa.string(), mask=id_mask),
        "birth_date": _dates(ch.birth),
        "gender": pa.array(np.where(male, "M", "F"), pa.string()),
        "mobile_phone": pa.array(mobile.astype(str), pa.string(), mask=mobile_mask),
        "landline_phone": pa.array(landline, pa.string(), mask=land_mask),
        "email": pa.array(email, pa.string(), mask=email_mask),
        "address": pa.array(address, pa.string(), mask=addr_mask),
        "onboarded_date": _dates(ch.onb),
        "relationship_manager_id": _take(ids["staff"], rm),
    }, schema=table_schema("customers"))


def _finish_chunk(ch: _Chunk, counters: dict, staff_ids: pa.Array) -> dict:
    rng, cal, ctx = ch.rng, ch.cal, ch.ctx
    pool_arr = ch.pool.arrow()  # the pool grows while chunks name their memos
    cust_ids = _ids("C", np.arange(ch.lo + 1, ch.lo + ch.n + 1), 9)
    ids = {"customer": cust_ids, "pool": pool_arr, "staff": staff_ids}
    out = {"customers": _customers_table(ch, ids)}

    # ---- accounts, ordered by customer then opening date
    a = ch.acc.concat()
    na = len(a["cust"])
    order = np.lexsort((np.arange(na), a["ptype"], a["open"], a["cust"]))
    inv = np.empty(na, dtype=np.int64)
    inv[order] = np.arange(na)
    a = {k: v[order] for k, v in a.items()}
    acct_ids = _ids("A", counters["accounts"] + 1 + np.arange(na), 10)
    counters["accounts"] += na
    other_branch = rng.random(na) < 0.05
    a_branch = np.where(other_branch, rng.integers(0, ctx.n_branches, na), ch.branch[a["cust"]])

    # ---- transactions: sort by time, number, chain balances per account
    t = ch.tx.concat()
    t["acct"] = inv[t["acct"]]
    internal = t["cpa"] < 0
    t["cpa"] = np.where(internal, -(inv[np.where(internal, -t["cpa"] - 1, 0)] + 1), t["cpa"])
    nt = len(t["acct"])
    tord = np.lexsort((np.arange(nt), t["acct"], t["ts"]))
    t = {k: v[tord] for k, v in t.items()}
    signed = np.where(t["dir"] == _CREDIT, t["cents"], -t["cents"])
    o2 = np.argsort(t["acct"], kind="stable")
    acc_sorted = t["acct"][o2]
    s2 = signed[o2]
    first = np.r_[True, acc_sorted[1:] != acc_sorted[:-1]] if nt else np.zeros(0, bool)
    gstart = np.nonzero(first)[0]
    gid = np.cumsum(first) - 1
    cs = np.cumsum(s2)
    base = (cs[gstart] - s2[gstart]) if nt else np.zeros(0, np.int64)
    running = cs - base[gid] if nt else cs
    opening = a["opening"].copy()
    if nt:
        gacct = acc_sorted[gstart]
        low = opening[gacct] + np.minimum.reduceat(running, gstart)
        short = low < 0
        if (short & a["planted"][gacct]).any():
            counters["planted_fixups"] += int((short & a["planted"][gacct]).sum())
        topup = np.where(short, -low + _round_yuan(rng.uniform(100, 3_000, len(gacct)), 1), 0)
        opening[gacct] += topup
    balance = np.empty(nt, dtype=np.int64)
    balance[o2] = opening[acc_sorted] + running if nt else balance
    out["accounts"] = pa.table({
        "account_id": acct_ids,
        "customer_id": _take(cust_ids, a["cust"]),
        "branch_id": _take(ctx.branch_ids, a_branch),
        "product_type": _take(pa.array(list(PRODUCT_TYPES), pa.string()), a["ptype"]),
        "product_code": _take(pool_arr, a["code"]),
        "currency": pa.array(np.full(na, BASE_CURRENCY), pa.string()),
        "opened_date": _dates(a["open"]),
        "maturity_date": _dates(a["maturity"]),
        "closed_date": _dates(a["closed"]),
        "interest_rate": _decimal(a["rate"], 6, a["rate"] < 0),
        "opening_balance": _decimal(opening, 2),
    }, schema=table_schema("accounts"))

    tx_ids = _ids("T", counters["transactions"] + 1 + np.arange(nt), 12)
    counters["transactions"] += nt
    cpa = t["cpa"]
    ext = cpa > 0
    cpa_str = _take(acct_ids, np.where(cpa < 0, -cpa - 1, -1))
    if ext.any():
        ext_str = pa.array(np.where(ext, cpa, 0), pa.int64()).cast(pa.string())
        cpa_str = pc.if_else(pa.array(ext), ext_str, cpa_str)
    out["transactions"] = pa.table({
        "txn_id": tx_ids,
        "account_id": _take(acct_ids, t["acct"]),
        "txn_ts": _timestamps(t["ts"]),
        "direction": _take(pa.array(list(DIRECTIONS), pa.string()), t["dir"]),
        "amount": _decimal(t["cents"], 2),
        "balance_after": _decimal(balance, 2),
        "txn_type": _take(pa.array(list(TXN_TYPES), pa.string()), t["ttype"]),
        "channel": _take(pa.array(list(TXN_CHANNELS), pa.string()), t["chan"]),
        "counterparty_name": _take(pool_arr, t["cpn"]),
        "counterparty_bank": _take(pool_arr, t["cpb"]),
        "counterparty_account": cpa_str,
        "memo": _take(pool_arr, t["memo"]),
    }, schema=table_schema("transactions"))
    counters["check_min_deposit_balance"] = min(
        counters["check_min_deposit_balance"], int(balance.min()) if nt else 0)

    # ---- contacts: staff of the contact's role in the home branch (the relationship manager when it fits)
    rm = ids["rm"]
    if ch.contacts:
        cc = np.concatenate([x[0] for x in ch.contacts])
        role = np.concatenate([x[1] for x in ch.contacts])
        ts = np.concatenate([x[2] for x in ch.contacts])
        chan = np.concatenate([x[3] for x in ch.contacts])
        outc = np.concatenate([x[4] for x in ch.contacts])
    else:
        cc = role = ts = chan = outc = np.zeros(0, np.int64)
    keep = ts >= ch.onb[cc] * _DAY_S
    cc, role, ts, chan, outc = (x[keep] for x in (cc, role, ts, chan, outc))
    g = ch.branch[cc] * 4 + role
    pick_u = rng.random(ch.n)
    staff = ctx.grp_start.ravel()[g] + (pick_u[cc] * ctx.grp_active.ravel()[g]).astype(np.int64)
    rmc = rm[cc]
    use_rm = (rmc >= 0) & (ctx.staff_role[np.maximum(rmc, 0)] == role) & ctx.staff_active[np.maximum(rmc, 0)]
    staff = np.where(use_rm, rmc, staff)
    co = np.lexsort((cc, ts))
    cc, staff, ts, chan, outc = (x[co] for x in (cc, staff, ts, chan, outc))
    k = len(cc)
    out["contact_logs"] = pa.table({
        "contact_id": _ids("K", counters["contact_logs"] + 1 + np.arange(k), 10),
        "customer_id": _take(cust_ids, cc),
        "staff_id": _take(staff_ids, staff),
        "contact_ts": _timestamps(ts),
        "channel": _take(pa.array(list(CONTACT_CHANNELS), pa.string()), chan),
        "outcome": _take(pa.array(list(CONTACT_OUTCOMES), pa.string()), outc),
    }, schema=table_schema("contact_logs"))
    counters["contact_logs"] += k

    # ---- complaints
    if ch.complaints:
        cc = np.concatenate([x[0] for x in ch.complaints])
        ts = np.concatenate([x[1] for x in ch.complaints])
        cat = np.concatenate([x[2] for x in ch.complaints])
        res = np.concatenate([x[3] for x in ch.complaints])
    else:
        cc = ts = cat = res = np.zeros(0, np.int64)
    co = np.lexsort((cc, ts))
    cc, ts, cat, res = (x[co] for x in (cc, ts, cat, res))
    k = len(cc)
    out["complaints"] = pa.table({
        "complaint_id": _ids("CP", counters["complaints"] + 1 + np.arange(k), 8),
        "customer_id": _take(cust_ids, cc),
        "branch_id": _take(ctx.branch_ids, ch.branch[cc]),
        "created_ts": _timestamps(ts),
        "category": _take(pool_arr, cat),
        "resolved_ts": _timestamps(res),
    }, schema=table_schema("complaints"))
    counters["complaints"] += k

    # ---- large-withdrawal registrations, taken by a teller or lobby manager of the home branch
    if ch.regs:
        cc = np.concatenate([x[0] for x in ch.regs])
        ts = np.concatenate([x[1] for x in ch.regs])
        planned = np.concatenate([x[2] for x in ch.regs])
        amt = np.concatenate([x[3] for x in ch.regs])
        pur = np.concatenate([x[4] for x in ch.regs])
    else:
        cc = ts = planned = amt = pur = np.zeros(0, np.int64)
    co = np.lexsort((cc, ts))
    cc, ts, planned, amt, pur = (x[co] for x in (cc, ts, planned, amt, pur))
    k = len(cc)
    role = np.where(rng.random(k) < 0.7, _RL["teller"], _RL["lobby_manager"])
    g = ch.branch[cc] * 4 + role
    staff = ctx.grp_start.ravel()[g] + (rng.random(k) * ctx.grp_active.ravel()[g]).astype(np.int64)
    out["withdrawal_registrations"] = pa.table({
        "registration_id": _ids("WR", counters["withdrawal_registrations"] + 1 + np.arange(k), 8),
        "customer_id": _take(cust_ids, cc),
        "branch_id": _take(ctx.branch_ids, ch.branch[cc]),
        "registered_ts": _timestamps(ts),
        "planned_date": _dates(planned),
        "amount": _decimal(amt, 2),
        "stated_purpose": _take(pa.array(list(STATED_PURPOSES), pa.string()), pur),
        "staff_id": _take(staff_ids, staff),
    }, schema=table_schema("withdrawal_registrations"))
    counters["withdrawal_registrations"] += k

    # ---- ground truth rows for this chunk
    labels = np.array(cal.labels, dtype=object)
    cid = np.array(cust_ids.to_pylist(), dtype=object) if (ch.gt_churn or ch.gt_life or ch.gt_tier or ch.gt_plants) \
        else None
    gt = {"churn_events": [], "lifecycle": [], "tier_moves": [], "plants": []}
    for c, m, typ, mism in ch.gt_churn:
        gt["churn_events"].append({"customer_id": cid[c], "event_month": labels[m],
                                   "churn_type": np.full(len(c), typ, dtype=object),
                                   "stated_purpose_mismatch": np.full(len(c), bool(mism))})
    for c, m, stage in ch.gt_life:
        gt["lifecycle"].append({"customer_id": cid[c], "month": labels[m],
                                "stage": np.full(len(c), stage, dtype=object)})
    for c, m, mv, tb, ta in ch.gt_tier:
        k = len(c)
        gt["tier_moves"].append({"customer_id": cid[c], "month": labels[m], "movement": np.broadcast_to(
            np.asarray(mv, dtype=object), (k,)), "tier_before": np.broadcast_to(np.asarray(tb, dtype=object), (k,)),
            "tier_after": np.broadcast_to(np.asarray(ta, dtype=object), (k,))})
    for c, plant, variant in ch.gt_plants:
        k = len(c)
        gt["plants"].append({"customer_id": cid[c], "plant": np.full(k, plant, dtype=object),
                             "variant": np.broadcast_to(variant, (k,))})
    out["_gt"] = gt
    return out


# --------------------------------------------------------------------------------------------------------------
# writers


class _Writers:
    def __init__(self, out_dir: Path, fmt: str):
        self.out_dir, self.fmt = out_dir, fmt
        self.writers: dict[str, object] = {}
        self.rows: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def write(self, table: str, data: pa.Table) -> None:
        w = self.writers.get(table)
        if w is None:
            folder = self.out_dir / table
            folder.mkdir(parents=True, exist_ok=True)
            for old in list(folder.glob("*.csv")) + list(folder.glob("*.parquet")):
                old.unlink()
            path = folder / f"{table}.{self.fmt}"
            if self.fmt == "csv":
                w = pacsv.CSVWriter(str(path), data.schema,
                                    write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
            else:
                w = pq.ParquetWriter(str(path), data.schema, compression="zstd")
            self.writers[table], self.rows[table], self.paths[table] = w, 0, path
        if data.num_rows:
            w.write_table(data)
        self.rows[table] += data.num_rows

    def close(self) -> None:
        for w in self.writers.values():
            w.close()


def _write_ground_truth(out_dir: Path, parts: dict) -> dict:
    import pandas as pd

    folder = out_dir / GROUND_TRUTH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    columns = {
        "churn_events": ["customer_id", "event_month", "churn_type", "stated_purpose_mismatch"],
        "lifecycle": ["customer_id", "month", "stage"],
        "tier_moves": ["customer_id", "month", "movement", "tier_before", "tier_after"],
        "plants": ["customer_id", "plant", "variant"],
    }
    sort_keys = {"churn_events": ["customer_id", "event_month"], "lifecycle": ["customer_id", "month"],
                 "tier_moves": ["customer_id", "month"], "plants": ["customer_id"]}
    summary, files = {}, []
    for name, cols in columns.items():
        frames = [pd.DataFrame(p) for p in parts[name] if len(p["customer_id"])]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in cols})
        df = df[cols].sort_values(sort_keys[name], kind="stable").reset_index(drop=True)
        if name == "churn_events":
            df["stated_purpose_mismatch"] = df["stated_purpose_mismatch"].map({True: "true", False: "false"})
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False, lineterminator="\n")
        files.append(str(path))
        key = {"churn_events": "churn_type", "lifecycle": "stage", "tier_moves": "movement", "plants": "plant"}[name]
        summary[name] = {str(k): int(v) for k, v in sorted(df[key].value_counts().items())} if len(df) else {}
        summary[name]["rows"] = int(len(df))
        if name == "churn_events":
            summary[name]["stated_purpose_mismatch"] = int((df["stated_purpose_mismatch"] == "true").sum())
    return {"summary": summary, "files": files}


# --------------------------------------------------------------------------------------------------------------
# entry point


def generate_bank(out_dir: str | Path, n_customers: int = 2000, n_months: int = 12, seed: int = 42,
                  fmt: str = "csv", end_date: date | None = None, n_branches: int | None = None,
                  chunk_size: int | None = None) -> dict:
    """Write a sample bank to out_dir/<table>/<table>.<fmt> and its planted labels to out_dir/_ground_truth/.

    Returns {"tables": {table: rows}, "files": [paths], "ground_truth": {file: {label: count, "rows": n}},
    "window": {"start", "end"}}. Same arguments give byte-identical files.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError("fmt must be 'csv' or 'parquet'")
    if n_customers < 1 or n_months < 1:
        raise ValueError("n_customers and n_months must be at least 1")
    end = end_date or DEFAULT_END_DATE
    if n_branches is None:
        n_branches = min(60, max(3, n_customers // 4000))
    chunk_size = chunk_size or CHUNK_SIZE
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    cal = _Calendar(end, n_months)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0])))
    city = _CITIES[int(rng.integers(0, len(_CITIES)))]
    pool, extra = _build_pools(seed, city)

    # customer skeleton: home branch, starting segment, lead or not, planted group
    n = n_customers
    weights = rng.gamma(3.0, 1.0, n_branches)
    branch = rng.choice(n_branches, n, p=weights / weights.sum())
    seg = rng.choice([1, 2, 3, 4], n, p=[0.73, 0.205, 0.06, 0.005])
    prospect = rng.random(n) < 0.042
    per_group = max(_PLANT_MIN if n >= 1000 else max(1, n // 50), round(_PLANT_SHARE * n))
    sizes = np.array([per_group * 3 // 2 if p == "churn_mismatch" else per_group for p in PLANTS], dtype=np.int64)
    if sizes.sum() > _PLANT_MAX_TOTAL_SHARE * n:
        sizes = np.floor(sizes * _PLANT_MAX_TOTAL_SHARE * n / sizes.sum()).astype(np.int64)
    group = np.zeros(n, dtype=np.int64)
    perm = rng.permutation(n)
    at = 0
    for gi, size in enumerate(sizes):
        group[perm[at:at + size]] = gi + 1
        at += size
    prospect[group > 0] = False

    branches, staff, st_role, st_active, grp_start, grp_all, grp_active = _branches_and_staff(
        rng, city, extra, pool, n_branches, cal, branch, seg, prospect)
    ctx = _Context(seed, cal, pool, extra, city, branches["branch_id"].combine_chunks(), n_branches, group, branch,
                   seg, prospect, st_role, st_active, grp_start, grp_all, grp_active)

    writers = _Writers(out_dir, fmt)
    writers.write("branches", branches)
    writers.write("staff", staff)
    staff_ids = staff["staff_id"].combine_chunks()
    counters = {"accounts": 0, "transactions": 0, "contact_logs": 0, "complaints": 0, "withdrawal_registrations": 0,
                "planted_fixups": 0, "check_min_deposit_balance": 0}
    gt_parts = {"churn_events": [], "lifecycle": [], "tier_moves": [], "plants": []}
    builders = {
        "churn_product": _Chunk.plant_product, "churn_service": _Chunk.plant_service,
        "churn_consumption": _Chunk.plant_consumption, "churn_special": _Chunk.plant_special,
        "churn_mismatch": _Chunk.plant_mismatch, "life_potential": _Chunk.plant_potential,
        "life_development": _Chunk.plant_development, "life_growth": _Chunk.plant_growth,
        "life_maturity": _Chunk.plant_maturity, "life_decline": _Chunk.plant_decline,
        "life_termination": _Chunk.plant_termination, "tier_upgrade": _Chunk.plant_upgrade,
        "tier_downgrade": _Chunk.plant_downgrade,
    }
    try:
        for index, lo in enumerate(range(0, n, chunk_size)):
            hi = min(n, lo + chunk_size)
            ch = _Chunk(ctx, index, lo, hi)
            for gi, plant in enumerate(PLANTS):
                ci = np.nonzero(ch.group == gi + 1)[0]
                if len(ci) and not builders[plant](ch, ci):
                    ch.group[ci] = 0  # the window is too short for this plant: ordinary customers instead
            ch.background()
            out = _finish_chunk(ch, counters, staff_ids)
            for table in OUTPUT_TABLES:
                if table in out:
                    writers.write(table, out[table])
            for k in gt_parts:
                gt_parts[k].extend(out["_gt"][k])
            del ch, out
    finally:
        writers.close()
    gt = _write_ground_truth(out_dir, gt_parts)
    files = [str(writers.paths[t]) for t in OUTPUT_TABLES] + gt["files"]
    return {
        "tables": {t: writers.rows[t] for t in OUTPUT_TABLES},
        "files": files,
        "ground_truth": gt["summary"],
        "window": {"start": cal.labels[0], "end": end.isoformat()},
        "checks": {"planted_accounts_topped_up": counters["planted_fixups"],
                   "min_balance_after_cents": counters["check_min_deposit_balance"]},
    }


# Event tables a bank delivers day by day, and the timestamp that dates each row.
DAILY_TABLES = {"transactions": "txn_ts", "contact_logs": "contact_ts", "complaints": "created_ts",
                "withdrawal_registrations": "registered_ts"}


def split_daily_delivery(landing: str | Path, day: date, out_dir: str | Path) -> dict[str, Path]:
    """Take the rows dated `day` out of a generated bank's event tables, as the next day's delivery.

    The history files in landing/<table>/ keep the rows before `day`; the rows of `day` (none after it)
    are written to out_dir/<table>_<day>.csv. Move those into landing/<table>/ to deliver the day: the
    file sorts after the history file, as a bank's dated daily files do. Returns {table: path}.
    """
    import duckdb

    landing, out_dir = Path(landing), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    files = {}
    try:
        for table, ts in DAILY_TABLES.items():
            history = landing / table / f"{table}.csv"
            if not history.exists():
                continue
            con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{history}', all_varchar=true, "
                        "header=true)")
            later = con.execute(f"SELECT count(*) FROM t WHERE {ts}[:10] > '{day}'").fetchone()[0]
            if later:
                raise ValueError(f"{table} has {later} rows after {day}: split the last day only")
            files[table] = out_dir / f"{table}_{day}.csv"
            con.execute(f"COPY (SELECT * FROM t WHERE {ts}[:10] = '{day}') TO '{files[table]}' (HEADER)")
            con.execute(f"COPY (SELECT * FROM t WHERE {ts}[:10] < '{day}') TO '{history}' (HEADER)")
    finally:
        con.close()
    return files
