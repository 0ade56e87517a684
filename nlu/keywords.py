"""A keyword stand-in for the trained classifier: transparent, fast and good enough to route."""

from __future__ import annotations

import re

from nlu.classifier import MAX_MODEL_CHARS, Prediction
from nlu.rules import is_must_attend, rule_risk

INTENT_PATTERNS = {
    "greet": r"^(你好|您好|在吗|在不在|有人吗|hello|hi|早上好|晚上好|下午好)[啊呀吗！!。.～~ ]*$",
    "thanks": r"^(谢谢|感谢|多谢|辛苦了|好的谢谢|谢了)",
    "help": r"^(帮助|help|怎么用|菜单|能做什么|\?|？)$",
    "query_status": r"(查询|我的工单|进度|处理得怎么样|怎么样了|处理到哪)",
    "ask_worker": r"(网格员是谁|网格员电话|联系网格员|找网格员|谁是网格员)",
}

CATEGORY_KEYWORDS = {
    "public_security": "偷 盗 被盗 小偷 诈骗 骗子 赌博 可疑 打架 斗殴 持刀 火灾 着火 起火 冒烟 "
    "煤气 燃气 泄漏 消防 飞线 充电 隐患 吸毒 贩毒 报警",
    "environment": "垃圾 污水 臭 油烟 秸秆 焚烧 渣土 倾倒 噪音 施工 排污 河道 黑烟 粉尘 "
    "异味 污染 死鱼",
    "traffic": "堵车 拥堵 停车 乱停 红绿灯 信号灯 路灯 坑 井盖 塌陷 路面 车辆 占道 交通 "
    "斑马线 超载",
    "dispute_mediation": "纠纷 吵架 矛盾 邻居 物业 宅基地 地界 漏水 婆媳 闹 打官司 调解",
    "legal_service": "工资 欠薪 讨薪 拖欠 继承 遗产 离婚 合同 借款 法律 律师 工伤 赔偿 起诉",
    "special_population": "独居 老人 留守 儿童 残疾 低保 五保 特困 精神 矫正 刑满 释放 "
    "走失 没人照顾",
    "info_collection": "租户 出租 搬来 搬走 迁入 迁出 出生 去世 死亡 新生儿 登记 新开 店铺 户口",
    "public_service": "养老金 医保 社保 证明 补贴 办理 代办 身份证 居住证 认证 报销 缴费",
}

KEYWORDS = {category: words.split() for category, words in CATEGORY_KEYWORDS.items()}


class KeywordClassifier:
    def predict(self, text: str) -> Prediction:
        text = text.strip()[:MAX_MODEL_CHARS].lower()
        risk, kind = rule_risk(text)
        urgent = risk == "urgent"
        if not urgent:
            for intent, pattern in INTENT_PATTERNS.items():
                if re.search(pattern, text):
                    return Prediction(intent=intent, category=None, confidence=0.9)
        if len(text) < 4 and not urgent:
            return Prediction(intent="help", category=None, confidence=0.3)
        scores = {c: sum(word in text for word in words) for c, words in KEYWORDS.items()}
        category = max(scores, key=scores.get)
        if urgent and not scores[category]:
            category = "public_security"
        if kind == "self_harm":
            category = "special_population"
        hits = scores[category]
        ranked = sorted(scores, key=lambda c: -scores[c])
        return Prediction(
            alternatives=tuple(ranked[:3]),
            intent="report",
            category=category if hits or urgent else "public_service",
            confidence=min(0.5 + 0.15 * hits, 0.95) if hits else 0.2,
            must_attend=is_must_attend(text, category),
            risk=risk,
            emergency_kind=kind,
        )
