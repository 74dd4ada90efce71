"""The fixed vocabulary of the demo data set: shops, products, people and places.

Kept apart from seed.demo so the generator reads as rules and this file reads as a catalogue.
Prices are integer fen (CNY minor units). Shop and product names are invented.
"""

from typing import NamedTuple

from models.enums import Category, RiskLevel

C = Category


class ShopSpec(NamedTuple):
    id: str
    name: str
    categories: tuple[Category, ...]
    risk: RiskLevel = RiskLevel.LOW
    trusted: bool = False


SHOPS: tuple[ShopSpec, ...] = (
    ShopSpec("M001", "优选生活旗舰店", (C.FRESH, C.ELECTRONICS, C.HOME)),
    ShopSpec("M002", "鲜丰水果旗舰店", (C.FRESH,), trusted=True),
    ShopSpec("M003", "海鲜码头专营店", (C.FRESH,)),
    ShopSpec("M004", "松果坚果食品店", (C.FOOD,)),
    ShopSpec("M005", "极客数码旗舰店", (C.ELECTRONICS,), trusted=True),
    ShopSpec("M006", "锦衣坊女装店", (C.CLOTHING,)),
    ShopSpec("M007", "水润美妆专营店", (C.COSMETICS,)),
    ShopSpec("M008", "安家家居旗舰店", (C.HOME,)),
    ShopSpec("M009", "田园蔬菜直供店", (C.FRESH, C.FOOD)),
    ShopSpec("M010", "潮流运动专营店", (C.CLOTHING,)),
    ShopSpec("M011", "智联电器专营店", (C.ELECTRONICS, C.HOME)),
    ShopSpec("M012", "江南丝绸服饰店", (C.CLOTHING, C.HOME)),
    # The shop with a history: repeated penalties, listings blocked, required deposit doubled.
    ShopSpec("M013", "魅颜美妆折扣店", (C.COSMETICS, C.ELECTRONICS), risk=RiskLevel.HIGH),
    ShopSpec("M014", "北国粮油旗舰店", (C.FOOD,)),
    ShopSpec("M015", "云岭鲜花饼铺", (C.FOOD,)),
    ShopSpec("M016", "宝贝乐母婴店", (C.CLOTHING, C.HOME)),
    ShopSpec("M017", "牧场乳业旗舰店", (C.FRESH, C.FOOD)),
    ShopSpec("M018", "声动音频专营店", (C.ELECTRONICS,)),
    ShopSpec("M019", "雅致家纺旗舰店", (C.HOME,), trusted=True),
    ShopSpec("M020", "东海渔港生鲜店", (C.FRESH,), risk=RiskLevel.MEDIUM),
    ShopSpec("M021", "青春校园服饰店", (C.CLOTHING,)),
    ShopSpec("M022", "草本护肤工坊", (C.COSMETICS,)),
    ShopSpec("M023", "快充配件专营店", (C.ELECTRONICS,)),
    ShopSpec("M024", "川味特产食品店", (C.FOOD,)),
    ShopSpec("M025", "厨房好物旗舰店", (C.HOME,)),
    ShopSpec("M026", "果园直发生鲜店", (C.FRESH,)),
    ShopSpec("M027", "型男衣橱精品店", (C.CLOTHING,)),
    ShopSpec("M028", "香氛彩妆集合店", (C.COSMETICS,), risk=RiskLevel.MEDIUM),
    ShopSpec("M029", "智能家居体验店", (C.ELECTRONICS, C.HOME)),
    ShopSpec("M030", "西北牛羊肉专营店", (C.FRESH, C.FOOD)),
    ShopSpec("M031", "茶香世家茶叶店", (C.FOOD,)),
    ShopSpec("M032", "山野户外装备店", (C.CLOTHING, C.HOME)),
    ShopSpec("M033", "光影相机专营店", (C.ELECTRONICS,)),
    ShopSpec("M034", "手工皂坊", (C.COSMETICS, C.HOME)),
    ShopSpec("M035", "麦香烘焙工坊", (C.FOOD, C.FRESH)),
    ShopSpec("M036", "针织毛衫工厂店", (C.CLOTHING,), risk=RiskLevel.MEDIUM),
    ShopSpec("M037", "收纳达人家居店", (C.HOME,)),
    ShopSpec("M038", "热带水果直营店", (C.FRESH,)),
    ShopSpec("M039", "电竞外设旗舰店", (C.ELECTRONICS,)),
    ShopSpec("M040", "美甲美发用品店", (C.COSMETICS,)),
)

# Deposit a shop must keep, by the riskiest category it sells (fen).
REQUIRED_DEPOSIT = {
    C.ELECTRONICS: 3_000_000,
    C.COSMETICS: 2_000_000,
    C.FRESH: 1_500_000,
    C.FOOD: 1_000_000,
    C.CLOTHING: 1_000_000,
    C.HOME: 1_000_000,
}

# Two-letter SKU codes per category: SKU "M001-FR03" is shop M001's third fresh product.
SKU_CODE = {C.FRESH: "FR", C.FOOD: "FD", C.COSMETICS: "CS", C.ELECTRONICS: "EL", C.CLOTHING: "CL", C.HOME: "HM"}

PRODUCTS: dict[Category, tuple[tuple[str, int], ...]] = {
    C.FRESH: (
        ("阳澄湖大闸蟹礼盒 8只装", 38_800),
        ("智利车厘子 JJ级 2kg", 19_900),
        ("海南贵妃芒果 5斤", 6_990),
        ("挪威三文鱼刺身 500g", 12_800),
        ("丹东99草莓 3斤", 8_990),
        ("内蒙古羔羊排 1kg", 15_800),
        ("鲜牛奶 950ml×6", 5_980),
        ("活冻波士顿龙虾 500g", 16_900),
    ),
    C.FOOD: (
        ("每日坚果礼盒 30包", 12_900),
        ("五常稻花香大米 10kg", 9_990),
        ("柳州螺蛳粉 5袋", 4_590),
        ("风干牛肉干 500g", 8_800),
        ("明前龙井 250g", 29_800),
        ("鲜花饼礼盒 12枚", 5_800),
        ("麻辣火锅底料 4袋", 3_990),
    ),
    C.COSMETICS: (
        ("玻尿酸保湿精华液 30ml", 26_900),
        ("修护面霜 50g", 39_900),
        ("丝绒哑光口红", 15_900),
        ("清爽防晒霜 SPF50 60ml", 12_800),
        ("氨基酸洁面乳 120g", 6_900),
        ("眼影盘 12色", 18_800),
    ),
    C.ELECTRONICS: (
        ("降噪蓝牙耳机", 89_900),
        ("智能运动手表", 129_900),
        ("20000mAh 移动电源", 14_900),
        ("扫地机器人", 199_900),
        ("65W 氮化镓充电器", 12_900),
        ("机械键盘 青轴", 39_900),
        ("无线游戏鼠标", 29_900),
        ("微单相机镜头 50mm", 149_900),
    ),
    C.CLOTHING: (
        ("轻薄白鸭绒羽绒服", 59_900),
        ("直筒牛仔裤", 19_900),
        ("缓震跑步鞋", 49_900),
        ("羊毛针织开衫", 29_900),
        ("纯棉短袖T恤 2件装", 9_900),
        ("真丝连衣裙", 89_900),
    ),
    C.HOME: (
        ("全棉四件套 1.8m", 39_900),
        ("316不锈钢保温杯", 12_900),
        ("不粘炒锅 32cm", 19_900),
        ("折叠收纳箱 3个装", 6_900),
        ("乳胶枕 一对", 25_900),
        ("香薰加湿器", 15_900),
    ),
}

PERISHABLE = frozenset({C.FRESH})

SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "徐",
    "孙",
    "胡",
    "朱",
    "高",
    "林",
    "何",
    "郭",
    "马",
    "罗",
)
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "丽",
    "强",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "雨轩",
    "子涵",
    "浩然",
    "欣怡",
    "思远",
)
PHONE_PREFIXES = ("138", "139", "137", "136", "186", "159", "152", "177")

# (province, city, districts): addresses are invented, the geography is real.
PLACES = (
    ("上海市", "", ("浦东新区", "徐汇区", "静安区")),
    ("北京市", "", ("朝阳区", "海淀区", "丰台区")),
    ("广东省", "广州市", ("天河区", "越秀区", "番禺区")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区")),
    ("浙江省", "杭州市", ("西湖区", "余杭区", "滨江区")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "江宁区")),
    ("四川省", "成都市", ("武侯区", "锦江区", "高新区")),
    ("湖北省", "武汉市", ("洪山区", "江汉区", "武昌区")),
)
STREETS = ("人民路", "解放路", "中山路", "建设路", "和平路", "文化路", "长江路", "学府路", "滨河路", "新华路")

CARRIERS = ("SF", "JD", "ZTO", "YTO")
COLD_CHAIN_CARRIERS = ("SF", "JD")


def tracking_number(carrier: str, digits: str) -> str:
    """A tracking number in the carrier's usual shape, from a string of random digits."""
    return {"SF": f"SF{digits[:13]}", "JD": f"JDV{digits[:12]}", "ZTO": f"7{digits[:13]}", "YTO": f"YT{digits[:13]}"}[
        carrier
    ]
