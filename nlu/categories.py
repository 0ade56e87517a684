"""The eight duties of a grid worker (八大项) and the intents that are not reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    examples: str


CATEGORIES = (
    Category("info_collection", "基础信息采集", "新租户、出生、死亡、迁入迁出、新开店铺登记"),
    Category("special_population", "特殊人群管理", "独居老人、留守儿童、残疾人、重点人员情况"),
    Category("public_security", "治安巡逻防范", "盗窃、诈骗、赌博、可疑人员、消防安全隐患"),
    Category("dispute_mediation", "矛盾纠纷调解", "邻里、家庭、物业、土地纠纷"),
    Category("environment", "环境问题巡查", "垃圾、污水、油烟、秸秆焚烧、乱倒渣土、施工噪音"),
    Category("legal_service", "对接法律服务", "欠薪、继承、离婚、合同、法律援助"),
    Category("traffic", "协助交通管理", "拥堵、乱停车、信号灯坏、路面隐患"),
    Category("public_service", "代办公共服务", "养老金、医保、开证明、补贴申请"),
)
CATEGORY_IDS = tuple(category.id for category in CATEGORIES)
BY_ID = {category.id: category for category in CATEGORIES}
OTHER_INTENTS = (
    "greet",
    "thanks",
    "query_status",
    "ask_worker",
    "help",
    "chitchat",
    "spam",
    "vague",
    "ask_service",
)


def category_name(category_id: str) -> str:
    return BY_ID[category_id].name
