"""Pools of fake names and places, built once per bank from Faker (zh_CN, seeded) and then sampled with numpy.

A `StringPool` holds every text value the bank writes (names, companies, merchants, memos, product codes);
rows carry the integer index into it and the text is taken only when a table is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .catalogue import FUND_CODES, INSURANCE_CODES, OWN_BANK_CODE, TIME_DEPOSIT_PRODUCTS, WEALTH_PRODUCTS

# One city per bank: (city, landline area code, province for utility names, districts with their ID-card
# area codes).
CITIES = (
    ("杭州市", "0571", "浙江", (("上城区", "330102"), ("拱墅区", "330105"), ("西湖区", "330106"), ("滨江区", "330108"),
                             ("萧山区", "330109"), ("余杭区", "330110"), ("临平区", "330113"), ("钱塘区", "330114"))),
    ("南京市", "025", "江苏", (("玄武区", "320102"), ("秦淮区", "320104"), ("建邺区", "320105"), ("鼓楼区", "320106"),
                            ("浦口区", "320111"), ("栖霞区", "320113"), ("雨花台区", "320114"), ("江宁区", "320115"))),
    ("成都市", "028", "四川", (("锦江区", "510104"), ("青羊区", "510105"), ("金牛区", "510106"), ("武侯区", "510107"),
                            ("成华区", "510108"), ("龙泉驿区", "510112"), ("双流区", "510116"), ("郫都区", "510117"))),
    ("武汉市", "027", "湖北", (("江岸区", "420102"), ("江汉区", "420103"), ("硚口区", "420104"), ("汉阳区", "420105"),
                            ("武昌区", "420106"), ("青山区", "420107"), ("洪山区", "420111"), ("东西湖区", "420112"))),
)
# ID-card area codes of customers born elsewhere in China.
OTHER_ID_AREAS = ("110101", "310101", "340102", "360102", "410102", "430102", "500101", "610102", "370102",
                  "350102", "440103", "130102", "320583", "330302", "421002", "511302")
MOBILE_PREFIXES = (130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
                   166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199)
OTHER_BANKS = ("工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "中信银行",
               "兴业银行",
               "民生银行", "平安银行", "光大银行", "广发银行", "邮储银行", "微众银行", "网商银行")
SECURITIES_FIRMS = ("华泰证券", "中信证券", "国泰海通证券", "招商证券", "广发证券", "东方财富证券")
# (the name written in counterparty_bank, the firm's full name written in counterparty_name)
FUND_FIRMS = (("天弘基金", "天弘基金管理有限公司"), ("易方达基金", "易方达基金管理有限公司"),
              ("华夏基金", "华夏基金管理有限公司"),
              ("南方基金", "南方基金管理股份有限公司"), ("广发基金", "广发基金管理有限公司"))
MERCHANT_BRANDS = ("华润万家", "永辉超市", "物美超市", "盒马鲜生", "全家便利店", "罗森便利店", "美宜佳", "肯德基",
                   "麦当劳",
                   "星巴克", "瑞幸咖啡", "海底捞火锅", "喜茶", "屈臣氏", "优衣库", "苏宁易购", "名创优品", "万达影城",
                   "中国石化加油站", "沃尔玛", "大润发", "必胜客", "老乡鸡", "蜜雪冰城")
CAR_BRANDS = ("宝马", "奔驰", "奥迪", "丰田", "本田", "大众", "比亚迪", "特斯拉", "蔚来", "理想")
SERVICE_COMPLAINTS = ("服务态度", "排队等候时间长", "业务办理差错", "营销扰民")
ALL_COMPLAINTS = SERVICE_COMPLAINTS + ("理财产品收益", "收费问题", "系统故障", "信用卡业务")
# Words that a consumption keyword seed could match: kept out of background employer names.
CONSUMPTION_WORDS = ("房", "地产", "置业", "汽车", "车", "4S", "学", "教育", "医", "药", "装", "货", "贸易", "建材",
                     "供应链", "物流")
# Utility bills by memo; the counterparty is the city's company for it (pool group "utility_<memo>").
UTILITY_BILLS = ("电费", "水费", "燃气费", "物业费", "话费")


class StringPool:
    """Every text value, once; rows hold its index. Named groups are the values a column samples from."""

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


@dataclass
class CustomerDetails:
    """Per-customer text that is not in the pool: sampled per customer when the customers table is written."""
    addresses: np.ndarray
    emails: np.ndarray
    streets: list[str]
    # an account number per pool entry, for companies' and firms' counterparty_account
    company_accounts: np.ndarray


def _first_unique(seq, n):
    return list(dict.fromkeys(seq))[:n]


def build_pools(seed: int, city) -> tuple[StringPool, CustomerDetails]:
    from faker import Faker  # only needed while building pools

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    prng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0, 7])))
    city_name, _area, province, districts = city
    city_short = city_name[:-1]
    pool = StringPool()

    # names from Faker's weighted zh_CN surnames and given names (fast: no per-name Faker call)
    person = fake.provider("faker.providers.person")
    surnames = list(person.last_names)
    surname_weights = np.array(list(person.last_names.values()), dtype=np.float64)
    one_char_given = [g for g in person.first_names if len(g) == 1] or list(person.first_names)
    k = 12_000
    surname = prng.choice(len(surnames), k, p=surname_weights / surname_weights.sum())
    given1 = prng.integers(0, len(person.first_names), k)
    given2 = prng.integers(0, len(one_char_given), k)
    two_chars = prng.random(k) < 0.45
    names = _first_unique((surnames[a] + person.first_names[b]
                           + (one_char_given[c] if t and len(person.first_names[b]) == 1 else "")
                           for a, b, c, t in zip(surname, given1, given2, two_chars)), 6000)
    pool.add_group("names", names)
    companies = [c for c in dict.fromkeys(fake.company() for _ in range(1000))
                 if not any(w in c for w in CONSUMPTION_WORDS)]
    pool.add_group("companies", companies[:600])
    trade_names = [p for p in dict.fromkeys(fake.company_prefix() for _ in range(800))
                   if not any(w in p for w in CONSUMPTION_WORDS)]
    # plus two-character trade names of the usual auspicious characters (Faker has only ~80 prefixes)
    chars = "华鑫瑞恒泰丰德宏盛嘉锦汇金达信安康元新兴博正通宇中天海联隆裕祥和润源凯荣昌富鼎辰"
    combos = [a + b for a in chars for b in chars if a != b]
    trade_names += [combos[i] for i in prng.permutation(len(combos))[:400]]
    streets = _first_unique((fake.street_name() for _ in range(700)), 400)
    community_suffix = ("花园", "小区", "家园", "公寓", "苑", "新村", "华府", "名都")
    communities = [trade_names[i % len(trade_names)] + community_suffix[i % len(community_suffix)]
                   for i in range(300)]
    merchants = [f"{MERCHANT_BRANDS[i % len(MERCHANT_BRANDS)]}({streets[(i * 7) % len(streets)]}店)"
                 for i in range(600)]
    pool.add_group("merchants", merchants)
    pool.add_group("utility_电费", [f"国网{province}省电力有限公司{city_short}供电公司"])
    pool.add_group("utility_水费", [f"{city_short}市水务集团有限公司"])
    pool.add_group("utility_燃气费", [f"{city_short}市燃气集团有限公司"])
    pool.add_group("utility_物业费", [f"{trade_names[i]}物业管理有限公司" for i in range(30)])
    pool.add_group("utility_话费", [f"中国移动通信集团{province}有限公司",
                                  f"中国联合网络通信有限公司{city_short}市分公司",
                                  f"中国电信股份有限公司{city_short}分公司"])
    pool.add_group("pension_payer", [f"{city_short}市社会保险事业管理中心"])
    pool.add_group("banks", list(OTHER_BANKS) + [f"{city_short}银行"])
    pool.add_group("sec_firms", list(SECURITIES_FIRMS))
    pool.add_group("fund_firm_banks", [b for b, _ in FUND_FIRMS])
    pool.add_group("fund_firm_names", [n for _, n in FUND_FIRMS])
    tn = trade_names[40:]
    pool.add_group("cp_house", [f"{city_short}{tn[i]}置业有限公司" for i in range(8)]
                   + [f"{tn[10 + i]}房地产开发有限公司" for i in range(6)])
    pool.add_group("cp_renovation", [f"{city_short}{tn[20 + i]}装饰工程有限公司" for i in range(6)])
    pool.add_group("cp_car", [f"{city_short}{tn[30 + i][:2]}{CAR_BRANDS[i]}汽车销售服务有限公司"
                              for i in range(len(CAR_BRANDS))])
    pool.add_group("cp_education", [f"{city_short}外国语学校", f"{city_short}{tn[45][:2]}国际学校", f"{province}大学",
                                    f"{city_short}大学", f"{tn[46]}留学服务中心", f"{tn[47]}教育科技有限公司"])
    pool.add_group("cp_medical", [f"{city_short}市第一人民医院", f"{province}省人民医院",
                                  f"{province}大学医学院附属第一医院", f"{city_short}市中医院"])
    pool.add_group("cp_business", [f"{tn[50 + i]}贸易有限公司" for i in range(8)]
                   + [f"{tn[60 + i]}建材有限公司" for i in range(4)])
    pool.add_group("complaint_service", list(SERVICE_COMPLAINTS))
    pool.add_group("complaint_all", list(ALL_COMPLAINTS))
    for code in list(TIME_DEPOSIT_PRODUCTS) + list(WEALTH_PRODUCTS) + list(FUND_CODES) + list(INSURANCE_CODES) + [
            "DD-I", "DD-II", "LN-MORT", "LN-CONS", "LN-AUTO"]:
        pool.id(code)
    pool.add_group("fund_codes", list(FUND_CODES))
    pool.add_group("ins_codes", list(INSURANCE_CODES))
    pool.add_group("memo_p2p_out", ["转账", "生活费", "还款", "转账", "红包"])
    pool.add_group("memo_p2p_in", ["转账", "还款", "生活费"])
    pool.add_group("memo_leave", ["跨行转账", "转账"])
    pool.id(OWN_BANK_CODE)

    # addresses and e-mails: Python strings built once, sampled per customer
    addresses = []
    for _ in range(4000):
        district = districts[prng.integers(0, len(districts))][0]
        addresses.append(f"{city_name}{district}{streets[prng.integers(0, len(streets))]}{prng.integers(1, 999)}号"
                         f"{communities[prng.integers(0, len(communities))]}{prng.integers(1, 40)}幢"
                         f"{prng.integers(1, 6)}单元{prng.integers(1, 33)}{prng.integers(1, 5):02d}室")
    users = _first_unique((fake.user_name() for _ in range(1500)), 1500)
    domains = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "hotmail.com", "139.com", "foxmail.com")
    emails = []
    for _ in range(5000):
        if prng.random() < 0.3:
            emails.append(f"{prng.integers(10_000_000, 3_999_999_999)}@qq.com")
        else:
            user = users[prng.integers(0, len(users))]
            suffix = str(prng.integers(1, 9999)) if prng.random() < 0.6 else ""
            emails.append(f"{user}{suffix}@{domains[prng.integers(0, len(domains))]}")
    details = CustomerDetails(
        addresses=np.array(addresses),
        emails=np.array(emails),
        streets=streets,
        company_accounts=prng.integers(10**15, 10**18, len(pool.values) + 10_000),
    )
    return pool, details
