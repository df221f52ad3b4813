"""Report categories with their labels; the PWA and console show these, the server validates against them."""

CATEGORIES: dict[str, dict[str, str]] = {
    "violence": {"zh-CN": "暴力侵害", "en": "Violence"},
    "domestic_violence": {"zh-CN": "家庭暴力", "en": "Domestic violence"},
    "theft": {"zh-CN": "盗窃", "en": "Theft"},
    "fraud": {"zh-CN": "诈骗", "en": "Fraud"},
    "traffic": {"zh-CN": "交通事故", "en": "Traffic accident"},
    "street_racing_noise": {"zh-CN": "飙车扰民", "en": "Street racing / noise"},
    "fire": {"zh-CN": "火情", "en": "Fire"},
    "medical": {"zh-CN": "急病受伤", "en": "Medical emergency"},
    "animal_attack": {"zh-CN": "动物伤人", "en": "Animal attack"},
    "missing_person": {"zh-CN": "人员走失", "en": "Missing person"},
    "dispute": {"zh-CN": "纠纷", "en": "Dispute"},
    "hazard": {"zh-CN": "安全隐患", "en": "Hazard"},
    "consumer": {"zh-CN": "消费维权", "en": "Consumer complaint"},
    "other": {"zh-CN": "其他", "en": "Other"},
}

KIND_LABELS: dict[str, dict[str, str]] = {
    "alarm": {"zh-CN": "报警", "en": "Alarm"},
    "tip": {"zh-CN": "举报线索", "en": "Tip"},
    "mediation": {"zh-CN": "调解记录", "en": "Mediation"},
    "hazard": {"zh-CN": "隐患排查", "en": "Hazard inspection"},
    "feedback": {"zh-CN": "意见反馈", "en": "Feedback"},
}
