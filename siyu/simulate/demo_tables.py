"""The demo merchant's reference tables: outlets, staff, catalogue, people, and the odds of events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import TypeVar

from siyu.catalog.models import ProductRole, ProductStatus
from siyu.members.models import Channel, Source
from siyu.tenancy.models import Role

DEMO_SLUG = "demo"
DEMO_NAME = "山野茶铺 Shanye Tea"
DEMO_PASSWORD = "siyu-demo-2026"
SAMPLE_CODE = "demo-1"  # the sandbox login code of the loyal customer the banner names
CUSTOMER_COUNT = 300
HISTORY_ORDERS = 394  # plus PENDING_ORDERS awaiting payment: about 400 in all
PENDING_ORDERS = 6
HISTORY_DAYS = 90
# The longest an order can stay open: ship (1.5 d) + auto-confirm (10 d) + after-sale window (7 d).
SETTLED_AFTER_DAYS = 20

T = TypeVar("T")

# --- The brand ------------------------------------------------------------------------------------

_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours(weekday: list[list[str]], weekend: list[list[str]], closed: tuple[str, ...] = ()) -> dict:
    return {d: [] if d in closed else (weekend if d in ("sat", "sun") else weekday) for d in _WEEK}


OUTLETS = [
    {
        "code": "SH-XTD",
        "name": "山野茶铺·上海新天地店",
        "province": "上海市",
        "city": "上海市",
        "district": "黄浦区",
        "address": "马当路245号新天地南里1层",
        "phone": "021-63281145",
        "latitude": "31.219372",
        "longitude": "121.475946",
        "opening_hours": _hours([["10:00", "22:00"]], [["10:00", "22:30"]]),
        "supports_pickup": True,
    },
    {
        "code": "HZ-HB",
        "name": "山野茶铺·杭州湖滨店",
        "province": "浙江省",
        "city": "杭州市",
        "district": "上城区",
        "address": "东坡路7号湖滨步行街B区102",
        "phone": "0571-87062318",
        "latitude": "30.257452",
        "longitude": "120.164312",
        "opening_hours": _hours([["09:00", "21:00"]], [["09:00", "22:00"]]),
        "supports_pickup": True,
    },
    {
        # A tasting room among the tea fields: visitors taste and buy there, but it keeps no
        # pickup shelf, so checkout refuses it as a pickup point.
        "code": "HZ-LJ",
        "name": "山野茶铺·龙井村茶室",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "龙井路1号龙井村18号院",
        "phone": "0571-87963021",
        "latitude": "30.226548",
        "longitude": "120.121783",
        "opening_hours": _hours(
            [["09:30", "12:00"], ["13:30", "18:00"]], [["09:00", "18:30"]], closed=("mon",)
        ),
        "supports_pickup": False,
    },
]
PICKUP_OUTLET_BY_CITY = {"上海市": "SH-XTD", "杭州市": "HZ-HB"}

# username, role, display name, outlet codes it is limited to
STAFF = [
    ("demo_owner", Role.OWNER, "林山野（店主）", ()),
    ("demo_operator", Role.OPERATOR, "陈晓运营", ()),
    ("demo_guide", Role.GUIDE, "周婷（导购）", ("SH-XTD",)),  # the outlet manager sees her customers
    ("demo_service", Role.SERVICE, "吴佳（客服）", ()),
    ("demo_analyst", Role.ANALYST, "郑数（数据分析）", ()),
    ("demo_outlet_manager", Role.OUTLET_MANAGER, "王磊（新天地店长）", ("SH-XTD",)),
]

CATEGORIES = {
    "茶叶": ["绿茶", "红茶", "乌龙茶", "白茶", "黑茶·普洱", "花草茶·冷泡"],
    "茶点零食": ["坚果炒货", "传统糕点", "果干蜜饯"],
    "茶器": ["杯壶", "旅行茶具"],
    "礼盒": ["节礼茶盒", "零食礼盒"],
}


@dataclass(frozen=True)
class CatalogueEntry:
    """One catalogue entry. Prices in fen; cost is a share of price, so margins follow the role."""

    category: str
    name: str
    subtitle: str
    points: tuple[str, ...]
    keywords: str
    image: str
    skus: tuple[tuple[str, int, int], ...]  # (spec value, price in fen, weight in grams)
    cost_pct: int
    roles: tuple[str, ...] = ()
    status: str = ProductStatus.ON_SALE
    popularity: int = 3
    spec_key: str = "规格"
    markup_pct: int = 0  # crossed-out list price above the price; 0 = none


# fmt: off
R = ProductRole
P = CatalogueEntry
DRAFT, OFF = ProductStatus.DRAFT, ProductStatus.OFF_SHELF
PRODUCTS = [
    P("绿茶", "明前西湖龙井", "核心产区狮峰山，一芽一叶初展",
      ("明前采摘，鲜爽回甘", "手工炒制，豆花香", "锡箔罐装，防潮避光"), "龙井 西湖 明前 绿茶", "tea-01",
      (("50g", 12800, 120), ("100g", 23800, 200), ("250g", 55800, 420)),
      42, (R.FLAGSHIP, R.HOT_ITEM), popularity=8, markup_pct=20),
    P("绿茶", "安吉白茶", "氨基酸含量高，鲜甜不苦",
      ("安吉溪龙原产", "叶白脉绿，玉白色", "冷泡热泡皆宜"), "安吉 白茶 绿茶", "tea-02",
      (("50g", 9800, 110), ("100g", 18800, 190)), 45, (R.MEMBER_WELFARE,), popularity=4),
    P("绿茶", "洞庭碧螺春", "吓煞人香，卷曲如螺",
      ("苏州东山原产", "茶果间作，花果香"), "碧螺春 苏州 绿茶", "tea-03",
      (("100g", 13800, 190),), 46),
    P("绿茶", "黄山毛峰 口粮装", "每天一杯的好绿茶",
      ("高山云雾，清香持久", "大包装更划算"), "毛峰 黄山 口粮茶", "tea-04",
      (("100g", 6800, 180), ("250g", 15800, 400)), 50, (R.RETENTION_STAPLE,), popularity=4),
    P("绿茶", "2025 碧螺春 清仓", "去年春茶，冷藏保存，品质稳定",
      ("低温冷藏", "清仓价，售完即止"), "碧螺春 清仓 特价", "tea-05",
      (("100g", 6800, 190),), 70, (R.CLEARANCE,), popularity=2, markup_pct=100),
    P("绿茶", "2026 明前西湖龙井（预售）", "开采即发，先到先得",
      ("狮峰核心产区", "3月下旬开采"), "龙井 预售 新茶", "tea-06",
      (("50g", 14800, 120), ("100g", 27800, 200)), 42, (R.FLAGSHIP,), status=DRAFT),
    P("红茶", "武夷正山小种", "松烟香，桂圆汤",
      ("桐木关传统工艺", "温润养胃"), "正山小种 红茶 武夷", "tea-07",
      (("100g", 7800, 180), ("250g", 17800, 400)), 48, (R.RETENTION_STAPLE,), popularity=4),
    P("红茶", "金骏眉", "蜜香馥郁，芽头金黄",
      ("单芽采制", "花果蜜香", "可连泡十余次"), "金骏眉 红茶 高端", "tea-08",
      (("50g", 16800, 120), ("100g", 31800, 200)), 40, (R.FLAGSHIP,), popularity=4, markup_pct=15),
    P("红茶", "云南滇红 口粮茶", "大叶种，汤色红亮",
      ("性价比之选", "奶茶基底也好用"), "滇红 口粮 红茶", "tea-09",
      (("250g", 5900, 400), ("500g", 10800, 760)), 55, (R.RETENTION_STAPLE, R.HOT_ITEM), popularity=7),
    P("红茶", "祁门红茶", "祁门香，世界三大高香红茶",
      ("传统工夫红茶",), "祁红 祁门 红茶", "tea-10",
      (("100g", 8800, 180),), 47, popularity=2),
    P("乌龙茶", "安溪铁观音 清香型", "兰花香，观音韵",
      ("新茶焙火轻", "独立小包装"), "铁观音 乌龙 安溪", "tea-11",
      (("125g", 7800, 220), ("250g", 14800, 420)), 48, popularity=4),
    P("乌龙茶", "武夷大红袍", "岩骨花香，焙火足",
      ("正岩产区", "传统炭焙"), "大红袍 岩茶 武夷", "tea-12",
      (("100g", 12800, 190), ("200g", 23800, 360)), 41, (R.FLAGSHIP,), popularity=4, markup_pct=15),
    P("乌龙茶", "凤凰单丛 蜜兰香", "一丛一香，蜜兰幽长",
      ("潮州凤凰山", "高香耐泡"), "单丛 凤凰 乌龙", "tea-13",
      (("100g", 9800, 190),), 46, popularity=2),
    P("乌龙茶", "冻顶乌龙", "台式焙香，熟果韵",
      ("中焙火",), "冻顶 乌龙 台茶", "tea-14",
      (("150g", 11800, 250),), 47, status=OFF),
    P("白茶", "福鼎白毫银针", "毫香蜜韵，满披白毫",
      ("福鼎核心产区", "日晒萎凋", "越陈越香"), "银针 白茶 福鼎", "tea-15",
      (("50g", 19800, 120), ("100g", 36800, 200)), 40, (R.FLAGSHIP,)),
    P("白茶", "白牡丹", "花香清甜，一芽二叶",
      ("适合煮饮",), "白牡丹 白茶", "tea-16",
      (("100g", 8800, 180),), 48),
    P("白茶", "2019 寿眉茶饼", "五年陈，枣香药香",
      ("老白茶", "会员专享价"), "寿眉 老白茶 茶饼", "tea-17",
      (("350g", 16800, 420),), 45, (R.MEMBER_WELFARE,), popularity=2),
    P("黑茶·普洱", "勐海熟普洱饼", "醇厚顺滑，陈香显",
      ("勐海原料", "渥堆发酵"), "普洱 熟茶 勐海", "tea-18",
      (("357g", 12800, 420),), 45),
    P("黑茶·普洱", "新会小青柑", "柑香与普洱的好搭档",
      ("新会茶枝柑", "一颗一泡，方便"), "小青柑 普洱 柑普", "tea-19",
      (("10颗", 4900, 150), ("20颗", 8900, 290)), 52, (R.HOT_ITEM,), popularity=6),
    P("黑茶·普洱", "冰岛古树生普", "冰糖甜，回甘迅猛",
      ("百年古树", "限量"), "冰岛 古树 生普", "tea-20",
      (("200g", 39800, 260),), 38, (R.FLAGSHIP,), status=DRAFT),
    P("花草茶·冷泡", "冷泡乌龙 三角包", "凉水3小时，清爽不苦涩",
      ("办公室好伙伴", "独立三角包"), "冷泡 三角包 乌龙", "tea-21",
      (("10包", 990, 60), ("30包", 2590, 170)), 88, (R.TRAFFIC_DRIVER, R.RETENTION_STAPLE), popularity=9),
    P("花草茶·冷泡", "白桃乌龙 三角包", "蜜桃果香，冷热皆宜",
      ("真实果干拼配",), "白桃 乌龙 三角包", "tea-22",
      (("10包", 1990, 60), ("30包", 4990, 170)), 60, (R.HOT_ITEM, R.FLASH_SALE), popularity=7),
    P("花草茶·冷泡", "桂花乌龙 三角包", "秋天的第一杯桂花香",
      ("金桂窨制",), "桂花 乌龙 三角包", "tea-23",
      (("10包", 2290, 60),), 58),
    P("花草茶·冷泡", "新人试饮装 6款各1泡", "第一次来，先尝再买",
      ("6款招牌茶各一泡", "新人限购一份"), "试饮 新人 体验", "tea-24",
      (("6泡", 990, 80),), 95, (R.NEW_CUSTOMER_TRIAL, R.TRAFFIC_DRIVER), popularity=6),
    P("坚果炒货", "临安手剥山核桃", "奶油味，壳薄易剥",
      ("临安原产", "当季新货"), "山核桃 临安 坚果", "snack-01",
      (("250g", 3990, 280), ("500g", 6990, 540)), 58, (R.HOT_ITEM,), popularity=7),
    P("坚果炒货", "每日坚果", "6种坚果果干，科学配比",
      ("独立小袋", "每天一袋"), "每日坚果 混合坚果", "snack-02",
      (("7袋", 2990, 200), ("30袋", 9900, 820)), 62, (R.RETENTION_STAPLE,), popularity=6),
    P("坚果炒货", "奶油碧根果", "个大饱满，好剥开口",
      ("配开果器",), "碧根果 坚果", "snack-03",
      (("200g", 2990, 230),), 60),
    P("坚果炒货", "茶香瓜子", "乌龙茶汁煮制，不上火",
      ("茶配瓜子",), "瓜子 茶香", "snack-04",
      (("500g", 1590, 520),), 75, (R.TRAFFIC_DRIVER,), popularity=5),
    P("传统糕点", "龙井茶酥", "龙井茶粉入酥，一口茶香",
      ("门店现烤同款",), "茶酥 龙井 糕点", "snack-05",
      (("8枚", 2890, 320),), 55, popularity=4),
    P("传统糕点", "苏式桃酥", "酥到掉渣",
      ("老式配方",), "桃酥 苏式 糕点", "snack-06",
      (("400g", 1990, 420),), 58),
    P("传统糕点", "绿豆糕", "细腻清凉，少糖",
      ("低糖配方",), "绿豆糕 糕点", "snack-07",
      (("12枚", 2490, 380),), 57, (R.FLASH_SALE,)),
    P("传统糕点", "桂花糕", "秋季限定",
      ("金桂入糕",), "桂花糕 限定", "snack-08",
      (("10枚", 1990, 300),), 57, status=OFF),
    P("果干蜜饯", "芒果干", "厚切，无添加蔗糖",
      ("泰国芒果",), "芒果干 果干", "snack-09",
      (("250g", 1890, 260), ("500g", 3490, 510)), 60, (R.FLASH_SALE,), popularity=4),
    P("果干蜜饯", "九制话梅", "酸甜开胃，配茶正好",
      ("古法九制",), "话梅 蜜饯", "snack-10",
      (("200g", 1290, 210),), 62, (R.RETENTION_STAPLE,)),
    P("果干蜜饯", "新会陈皮 十年", "十年陈，可泡茶可入菜",
      ("新会核心产区", "十年陈化"), "陈皮 新会 十年", "snack-11",
      (("100g", 8800, 150),), 50, popularity=2),
    P("果干蜜饯", "巴旦木奶枣", "网红零食，奶香浓",
      ("独立包装",), "奶枣 零食", "snack-12",
      (("250g", 2190, 270),), 65, status=OFF),
    P("杯壶", "白瓷盖碗", "德化白瓷，不烫手",
      ("150ml", "新手友好"), "盖碗 白瓷 茶具", "ware-01",
      (("150ml", 6800, 380),), 40, popularity=2),
    P("杯壶", "耐热玻璃公道杯", "高硼硅玻璃，带滤网",
      ("可见汤色",), "公道杯 玻璃 茶具", "ware-02",
      (("300ml", 2980, 260),), 45, popularity=2),
    P("旅行茶具", "便携旅行茶具套装", "一包装下一桌茶席",
      ("快客杯设计", "收纳包"), "旅行茶具 便携 快客杯", "ware-03",
      (("1壶2杯", 12800, 650), ("1壶4杯", 16800, 880)), 42, popularity=2, spec_key="套装"),
    P("节礼茶盒", "西湖龙井礼盒", "送长辈、送客户的体面之选",
      ("明前龙井250g", "手提礼盒含礼袋"), "龙井 礼盒 送礼", "gift-01",
      (("250g礼盒", 68800, 900),), 45, (R.BUNDLE, R.FLAGSHIP)),
    P("节礼茶盒", "四季茶礼", "龙井、红茶、乌龙、白茶四季各一",
      ("四罐组合", "附冲泡卡片"), "四季 茶礼 礼盒", "gift-02",
      (("4罐装", 29800, 1100),), 48, (R.BUNDLE,)),
    P("零食礼盒", "山野坚果礼盒", "8种坚果果干",
      ("年货送礼",), "坚果 礼盒 年货", "gift-03",
      (("1.6kg", 16800, 1900),), 60, (R.BUNDLE,)),
    P("节礼茶盒", "2025 中秋茶礼 清仓", "节后清仓，茶品新鲜",
      ("含龙井与红茶",), "中秋 礼盒 清仓", "gift-04",
      (("礼盒", 19900, 1000),), 68, (R.BUNDLE, R.CLEARANCE), popularity=2, markup_pct=60),

]
# fmt: on

# --- People ---------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈"
)
# fmt: off
GIVEN_NAMES = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "杰", "娟", "涛", "明", "超", "秀英", "婷",
    "雪", "慧", "晨", "子涵", "浩然", "欣怡", "梓萱", "宇轩", "思远", "雨桐", "佳琪", "一鸣", "晓东", "文博",
    "嘉怡",
]
NICK_HEADS = [
    "爱喝茶的", "晒太阳的", "安静的", "快乐", "小", "阿", "大", "慢慢", "喵喵", "今天也要", "山野",
    "西湖边的",
]
NICK_TAILS = [
    "猫", "鱼", "兔子", "小王", "May", "糖糖", "橙子", "阿杰", "茶茶", "石头", "Kiki", "布丁", "树", "星星",
    "团子", "老李", "Coco", "饭团", "木木", "小鹿", "柚子", "Leo", "鲸鱼", "桃子",
]
NICK_SINGLE = [
    "晴天", "清欢", "南风", "一叶知秋", "Tina", "Jason", "茶小白", "半盏", "听雨", "浮生", "Momo", "十一",
]
# fmt: on

# province, city, districts, streets, weight
REGIONS = [
    ("上海市", "上海市", ["黄浦区", "徐汇区", "静安区", "浦东新区", "长宁区", "闵行区"],
     ["淮海中路", "衡山路", "愚园路", "世纪大道", "虹桥路", "漕溪北路"], 34),
    ("浙江省", "杭州市", ["西湖区", "上城区", "拱墅区", "滨江区", "余杭区"],
     ["文三路", "延安路", "莫干山路", "江南大道", "文一西路"], 26),
    ("江苏省", "苏州市", ["姑苏区", "苏州工业园区"], ["干将西路", "星湖街"], 7),
    ("江苏省", "南京市", ["鼓楼区", "建邺区"], ["中山北路", "江东中路"], 5),
    ("北京市", "北京市", ["朝阳区", "海淀区"], ["建国路", "中关村大街"], 8),
    ("广东省", "深圳市", ["南山区", "福田区"], ["科技南路", "深南大道"], 6),
    ("广东省", "广州市", ["天河区"], ["天河路"], 4),
    ("四川省", "成都市", ["锦江区", "武侯区"], ["春熙路", "天府大道"], 5),
    ("浙江省", "宁波市", ["鄞州区"], ["天童南路"], 3),
    ("湖北省", "武汉市", ["武昌区"], ["中北路"], 2),
]  # fmt: skip
# fmt: off
COMMUNITIES = [
    "锦绣苑", "阳光花园", "翠湖小区", "金色家园", "春江花月", "桂花园", "万科城", "梧桐新村", "滨江花苑",
]
# fmt: on
OFFICE_TOWERS = ["国际中心", "科技园", "商务大厦", "金融广场"]

# fmt: off
SOURCE_WEIGHTS = {
    Source.OUTLET: 15, Source.MP_CODE: 12, Source.COMMUNITY: 12, Source.MOMENTS: 10, Source.LIVE: 8,
    Source.ARTICLE: 8, Source.ADS: 8, Source.SEARCH: 8, Source.PROMO_LINK: 6, Source.REFERRAL: 6,
    Source.H5: 4, Source.IMPORT: 3,
}
# fmt: on
CAMPAIGNS = {
    Source.LIVE: ["2025双11直播专场", "春茶上新直播", "周五茶话直播间"],
    Source.ADS: ["朋友圈广告-秋冬红茶", "视频号投流-明前龙井"],
    Source.ARTICLE: ["推文-明前龙井怎么挑", "推文-冷泡茶三步法"],
    Source.PROMO_LINK: ["小红书种草链接", "抖音主页链接"],
    Source.COMMUNITY: ["上海静安茶友群", "杭州滨江茶友群"],
    Source.MP_CODE: ["门店桌贴小程序码", "包裹卡小程序码"],
    Source.OUTLET: ["新天地店试饮", "湖滨店开业活动"],
}
ORDER_SOURCES = {
    "community": 25,
    "mp_code": 15,
    "moments": 15,
    "search": 12,
    "live": 10,
    "article": 8,
    "promo_link": 5,
}
# fmt: off
PHONE_PREFIXES = [
    "138", "139", "137", "135", "136", "150", "151", "158", "159", "186", "187", "188", "177", "199",
]
# fmt: on
QUIET_HOURS = [
    (time(22), time(8)),
    (time(23), time(7, 30)),
    (time(21, 30), time(9)),
    (time(12), time(13, 30)),
]
# (channel, chance of opting in, chance of opting out); the rest never decided.
CONSENT = [
    (Channel.SUBSCRIBE_MESSAGE, 0.60, 0.10),
    (Channel.OFFICIAL_ACCOUNT, 0.50, 0.10),
    (Channel.WECOM, 0.35, 0.10),
    (Channel.WECOM_GROUP, 0.30, 0.15),
    (Channel.SMS, 0.40, 0.25),
]
# Local hour of day -> relative weight of orders: a lunch peak and a bigger evening one.
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3, 3, 3.5, 5, 5, 3.5, 3, 3, 3.5, 4, 5, 7, 8, 6, 3]

# --- Orders ---------------------------------------------------------------------------------------

# Names as staff type them, with each courier's tracking-number format (siyu/orders/couriers.py).
CARRIERS = [("顺丰速运", "SF", 13), ("中通快递", "78", 10), ("圆通速递", "YT", 13), ("京东物流", "JDVA", 11)]
ORDER_NOTES = ["请尽快发货", "送人的，不要放价格单", "周末在家，工作日放快递柜", "多放点干燥剂"]
CANCEL_REASONS = ["不想要了", "地址填错了", "重复下单", "想换个规格"]
REFUND_BEFORE_SHIP_REASONS = ["拍错了", "不想要了", "临时出差，收不到货"]
PARTIAL_REASONS = ["少发/漏发", "包装破损", "口感与描述不符"]
RETURN_REASONS = ["七天无理由退货", "商品质量问题", "发错货"]
REJECT_NOTES = ["食品已拆封，不支持无理由退货", "照片未显示破损，请补充凭证", "已核实发货无误"]

# --- Marketing (demo_marketing, demo_customers) -----------------------------------------------------

DAYS_LIVE = 30  # every activity and promotion runs this long after the build
HOURS_TO_FINISH = 72  # a team, a bargain, a help request or a split team
SAMPLE_NICKNAME = "茶友小满"  # SAMPLE_CODE's nickname
SHARED_CODE = "SHANYE2026"
MARKETING_KEYS = 10_000  # idempotency keys of the orders that used offers start here (history: 1 ..)


@dataclass(frozen=True)
class Offer:
    """A customer order that uses an offer: its lines (product, spec index, units) and what it takes."""

    lines: tuple[tuple[str, int, int], ...]
    coupon: str = ""  # a coupon template title the buyer claims or redeems first
    points: bool = False  # spend as many points as the shop allows
    add_on: str = ""  # an add-on promotion's title: take one unit
    buyer: str = ""  # "sample" = demo-1, "new" = registers for it, "no_free_shipping" = a low tier


# What customers bought with the offers in the last days (the newest orders of the demo).
OFFERS = (
    Offer((("武夷大红袍", 0, 1),), coupon="满99减10"),
    Offer((("福鼎白毫银针", 1, 1),), coupon="茶叶9折券 最高减30"),
    Offer((("九制话梅", 0, 2),), coupon="运费券", buyer="no_free_shipping"),
    Offer(
        (("新人试饮装 6款各1泡", 0, 1), ("冷泡乌龙 三角包", 0, 1)), coupon="新人专享 无门槛5元", buyer="new"
    ),
    Offer((("临安手剥山核桃", 1, 1),), coupon=SHARED_CODE),
    Offer((("白瓷盖碗", 0, 1),), coupon="茶器85折兑换码"),
    Offer((("西湖龙井礼盒", 0, 1),), coupon="老客回归 满150减30"),
    Offer((("四季茶礼", 0, 1),), points=True, buyer="sample"),
    Offer((("金骏眉", 1, 1),), points=True),
    Offer((("明前西湖龙井", 1, 1),)),
    Offer((("2019 寿眉茶饼", 0, 1),)),
    Offer((("每日坚果", 0, 2),)),
    Offer((("桂花乌龙 三角包", 0, 3),)),
    Offer((("白瓷盖碗", 0, 1), ("安溪铁观音 清香型", 0, 1))),
    Offer((("武夷大红袍", 1, 1), ("祁门红茶", 0, 1), ("凤凰单丛 蜜兰香", 0, 1))),
    Offer((("勐海熟普洱饼", 0, 1), ("新会小青柑", 1, 1)), add_on="满99加9.9元换购芒果干"),
    Offer((("安吉白茶", 1, 1),), coupon="满99减10"),
    Offer((("白牡丹", 0, 1), ("龙井茶酥", 0, 1)), coupon="茶叶9折券 最高减30"),
)
# SKUs (product, spec index) the activities sell, give as gifts or put in blind boxes.
ACTIVITY_GOODS = {
    ("白桃乌龙 三角包", 0),
    ("绿豆糕", 0),
    ("金骏眉", 0),
    ("便携旅行茶具套装", 0),
    ("茶香瓜子", 0),
    ("芒果干", 0),
    ("芒果干", 1),
    ("龙井茶酥", 0),
    ("临安手剥山核桃", 0),
    ("明前西湖龙井", 0),
}
