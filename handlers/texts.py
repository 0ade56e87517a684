"""Every sentence gridbot says to people, in one place so it can be read and corrected."""

from __future__ import annotations

PRIVACY_VERSION = "2026-11"

WELCOME_LOCATE = "请先点击输入框旁的“+”，发送一次您的位置，方便我们找到您所在的网格。"
# The welcome with what stands in the middle: the request for the location, or (after a
# grid's QR code was scanned) the grid and its worker.
WELCOME_AROUND = (
    "您好，欢迎关注网格通！\n"
    "身边有什么需要社区帮忙的事，直接用文字或语音告诉我们就行，比如：\n"
    "· 楼道里堆满了杂物，有火灾隐患\n"
    "· 隔壁独居的老人好几天没出门了\n"
    "· 路口的红绿灯坏了\n"
    "我们会把问题交给负责您所在网格的网格员，并把办理进度告诉您。\n\n"
    "{middle}\n\n"
    "隐私说明：您提供的信息只用于处理您反映的问题，仅对负责的工作人员可见，"
    "我们不会向无关人员公开。继续使用即表示您同意本说明。"
)
WELCOME = WELCOME_AROUND.format(middle=WELCOME_LOCATE)
ASK_LOCATION = "为了把问题交给负责您所在网格的网格员，请点击输入框旁的“+”，发送一次您的位置。"
REPORT_WAITING_FOR_LOCATION = (
    "已记下您反映的问题，谢谢您！\n" + ASK_LOCATION + "\n收到位置后我们会马上转给网格员。"
)
PLACE_TOO_WIDE = (
    "您说的地方包括好几个网格。为了交给负责的网格员，请点输入框旁的“+”发送一次您的位置，"
    "或告诉我们更具体的路名、小区或楼号。"
)
CONFIRM_PLACE = "您是在{grid}吗？回复 1 确认，或发送位置。"
LOCATED = "您所在的网格是：{grid}。\n网格员：{worker}，电话 {phone}。\n有事随时在这里留言。"
LOCATED_NO_WORKER = "您所在的网格是：{grid}。该网格暂未配置网格员，您反映的问题会由社区统一处理。"
# A grid's QR code (gridbot qrcode): scanned, it places the resident in that grid.
SCANNED_GRID = "已按您扫描的网格二维码为您登记，不用再发送位置。"
SCANNED_STALE = (
    "您扫描的网格二维码已停用（网格可能已调整）。"
    "请点击输入框旁的“+”，发送一次您的位置，方便我们找到您所在的网格。"
)
QR_BOARD_WORKER = "网格员：{worker}"
QR_BOARD_NO_WORKER = "网格员：待配备"
QR_BOARD_HINT = "微信扫一扫，身边事随时反映"
OUTSIDE_GRIDS = "抱歉，您发送的位置不在我们服务的网格范围内。如果位置有误，请重新发送一次。"
PENDING_ROUTED = "您之前反映的问题已转交处理："
PENDING_LINE = "· 工单 {code}（{category}），处理人：{handler}"
NOBODY_YET = "社区统一安排"
REPORT_ROUTED = (
    "收到，谢谢您的反映！\n工单号：{code}\n类别：{category}\n处理人：{handler}\n"
    "我们会尽快处理，进展会在这里告诉您。"
)
REPORT_UNASSIGNED = (
    "收到，谢谢您的反映！\n工单号：{code}\n类别：{category}\n"
    "您所在网格暂未配置处理人员，已交由社区统一安排，进展会在这里告诉您。"
)
ASK_CATEGORY = (
    "收到您的反映，谢谢！为了交给合适的人处理，请问这件事更接近哪一类？请回复数字：\n{options}"
)
NUMBER_OUT_OF_RANGE = "请回复 1 到 {last} 之间的数字；也可以直接用文字说说是什么事。"
NUMBER_ANSWERS_NOTHING = (
    "您回复的数字没有对应的待回答问题（问题可能已过期）。"
    "如需反映问题，请直接用文字说说是什么事、在哪里。"
)
ERRAND_DECLINED = "好的。如果还需要帮忙，随时在这里留言。"
URGENT_ASK_LOCATION = (
    "请马上告诉我们您在哪里：点输入框旁的“+”发送位置，或直接回复详细地址（街道、小区、楼号）。"
)
URGENT_AT_DESK = "我们已通知县综治中心值班人员{handler}立即跟进。工单号：{code}"
RESIDENT_AT_DESK = (
    "您反映的问题（工单 {code}）还没有收到位置，已先交由县综治中心值班人员{handler}统一安排。"
    "发送位置或回复详细地址后，我们会转给您所在网格的网格员。"
)
RESIDENT_AT_DESK_NO_STAFF = (
    "您反映的问题（工单 {code}）所在网格暂时没有能接手的工作人员，"
    "已交由县综治中心值班人员{handler}统一安排，进展会在这里告诉您。"
)
CHOICE_SETTLED = "您上一条反映的问题已转交处理：\n{line}"
URGENT_FIRST_LINE = "如有危险，请立即拨打 119（火警）、110（报警）或 120（急救）！"
# The first line of the answer to an emergency, by its kind (nlu.rules.EMERGENCY_KINDS).
EMERGENCY_LINES = {
    "fire": "着火了请立即拨打 119！能撤离就马上撤离，不要乘电梯，用湿毛巾捂住口鼻。",
    "gas": (
        "闻到燃气味请马上离开，不要开关电灯和电器、不要点火、不要在屋里打电话，"
        "到室外安全的地方再拨打 119。"
    ),
    "violence": "如果正在发生危险，请立即拨打 110 报警！先保护好自己，到安全的地方去。",
    "missing_person": "请立即拨打 110 报警，说清楚走失的人长什么样、穿什么衣服、最后在哪里出现。",
    "medical": "有人受伤或失去意识，请立即拨打 120 急救电话！",
    "drowning": "有人落水请立即拨打 110 和 120！不会游泳请不要下水，可以抛绳子、竹竿或救生圈。",
    "electric": "有人触电请先切断电源，千万不要直接用手拉人，并立即拨打 120！",
    "collapse": "请马上远离危险的地方，有人被困请立即拨打 119！",
    "flood": "请尽快转移到高处，有人被水困住请立即拨打 119 或 110！",
    "trapped": "有人被困请立即拨打 119！",
    "self_harm": (
        "如果你正感到难以承受，随时可以拨打全国心理援助热线 12356，有人会听你说；"
        "如果此刻有生命危险，请马上拨打 110 或 120。"
    ),
}
CRISIS_REPLY = (
    "听到你这么说，我们很担心你。你并不孤单，我们愿意陪着你。\n"
    "现在就可以拨打全国心理援助热线 12356，有人会听你说；如果此刻有生命危险，"
    "请马上拨打 110 或 120。\n"
    "{next}\n你愿意的话，也可以在这里继续跟我们说说。"
)
CRISIS_HANDLER = "我们已经请{handler}尽快联系你、来看看你。"
CRISIS_NO_HANDLER = "我们已经请社区的工作人员尽快联系你。"
CRISIS_ASK_LOCATION = "方便的话，请点输入框旁的“+”发送一次你的位置，我们好马上请网格员来看你。"
CHITCHAT = (
    "您好，我是社区的网格通。有需要社区帮忙的事，直接用文字告诉我们就行；"
    "发送“帮助”可以查看使用说明。"
)
SPAM_REPLY = "本号只受理居民反映的问题和求助，其他信息不作处理。"
ASK_DETAILS = "请具体说说是什么事、在哪里，我们好尽快转给负责的同志。"
GUIDE_NOT_FOUND = (
    "这件事我们暂时没有现成的办事指南。您可以直接说说需要办什么，网格员可以帮您问清楚或代办。"
)
GUIDE_TICKET_TEXT = "请网格员帮忙代办：{service}"
GREET = "您好！有什么需要社区帮忙的，直接告诉我们就行。发送“帮助”可以查看使用说明。"
THANKS = "不客气，这是我们应该做的。有事随时找我们！"
HELP_RESIDENT = (
    "网格通可以帮您：\n"
    "1. 反映问题：直接用文字或语音描述，比如“小区门口的垃圾好几天没人清理了”；\n"
    "2. 补充照片：反映问题后直接发图片，会附在您最新的工单上；\n"
    "3. 查询进度：发送“查询”；\n"
    "4. 找网格员：发送“我的网格员”；\n"
    "5. 更新位置：点击输入框旁的“+”发送位置；\n"
    "6. 补充情况：发送“补充 工单号 内容”；\n"
    "7. 撤回工单：发送“撤回 工单号 原因”，不写工单号可查看能撤回的工单；\n"
    "8. 删除信息：发送“删除我的信息”，删除您在这里的个人信息；\n"
    "9. 隐私说明：发送“隐私”，了解我们保存什么、保存多久、谁能看到。"
)
NO_OPEN_TICKETS = "您目前没有正在办理的工单。有新的问题随时告诉我们。"
MY_TICKETS_HEADER = "您正在办理的工单："
TICKET_LINE = "· {code}（{category}）{state}"
WORKER_CONTACT = "您所在网格：{grid}\n网格员：{worker}，电话 {phone}"
IMAGE_ATTACHED = "照片已收到，已附在工单 {code} 上，谢谢您！"
IMAGE_NO_TICKET = "照片已收到。请再用文字简单说一下遇到了什么问题，我们好安排处理。"
UNSUPPORTED = (
    "抱歉，这类消息暂时处理不了。请用文字描述您遇到的问题，也可以发送语音、图片、视频或位置。"
)
# Voice WeChat could not understand, video and links (handlers/chat/media.py)
VOICE_UNHEARD = "没听清，请用文字再说一遍"
MEDIA_ATTACHED = {
    "video": "视频已收到，已附在工单 {code} 上，谢谢您！",
    "shortvideo": "视频已收到，已附在工单 {code} 上，谢谢您！",
    "link": "链接“{title}”已收到，已附在工单 {code} 上，谢谢您！",
}
MEDIA_WAITING = {
    "video": "视频已收到。请再用文字简单说一下遇到了什么问题，视频会一并附上。",
    "shortvideo": "视频已收到。请再用文字简单说一下遇到了什么问题，视频会一并附上。",
    "link": "链接已收到。请再用文字简单说一下遇到了什么问题，链接会一并附上。",
}
MEDIA_JOINED = "您之前发来的语音、视频或链接已一并附在工单 {code} 上。"
# The Official Account's menu (`gridbot menu create`), by button key
MENU_NAMES = {
    "report": "我要反映",
    "locate": "发送位置",
    "how_to_report": "怎么反映",
    "my_tickets": "我的工单",
    "service": "服务",
    "my_worker": "联系网格员",
    "guide": "办事指南",
}
GUIDE_INTRO = (
    "办事指南：直接发送您想办的事，比如“居住证怎么办”“高龄津贴怎么申请”，"
    "我们会告诉您要带什么材料、去哪里办；需要的话，网格员还可以帮您代办。"
)
SORRY_FAILED = "抱歉，系统暂时出了点问题。您的消息已经保存，我们会尽快处理。"
RATE_LIMITED = (
    "您发送消息有点频繁，请稍等一分钟再发，我们都会看到的。"
    "如遇紧急情况，请直接拨打 110、119 或 120。"
)

STATE_NAMES = {
    "new": "待分派",
    "assigned": "待接单",
    "accepted": "办理中",
    "on_site": "已到场",
    "resolved": "已办结",
    "closed": "已关闭",
    "withdrawn": "已撤回",
}

# To residents, through the customer-service API
RESIDENT_ACCEPTED = "您反映的问题（工单 {code}）已由{handler}受理，正在办理中。"
RESIDENT_RESOLVED = (
    "您反映的问题（工单 {code}）已办结。\n处理情况：{note}\n感谢您对社区工作的支持！"
)

# To households linked to another household's ticket: its code and progress, never its notes
LINKED_UPDATE = "您反映的问题已有其他居民反映，工单 {code} {progress}，感谢您的关注。"
LINKED_PROGRESS = {
    "accept": "已受理，正在办理中",
    "arrive": "已有工作人员到现场处理",
    "resolve": "已办结",
    "transfer": "已转交其他工作人员处理",
    "assign": "已安排工作人员处理",
    "escalate": "已上报上级协调处理",
    "return": "已改由其他工作人员处理",
    "close": "已结束",
    "reopen": "已重新打开办理",
}
LINKED_STATE = "当前状态：{state}"
# To staff who see a ticket without handling it
TICKET_MASKED = "（电话、身份证号已脱敏）"

# To staff, through WeCom
STAFF_NEW_TICKET = (
    "【新工单】{code}{urgent}\n类别：{category}\n地点：{place}\n内容：{text}\n{attend}"
    "回复“接单 {code}”受理，办完后回复“办结 {code} 处理情况”。"
)
STAFF_MUST_ATTEND = "此件属“六必到”情形，请先到现场并回复“到场 {code}”。\n"
STAFF_URGENT_MARK = "（紧急）"
STAFF_URGENT_ALERT = (
    "【紧急警情】{code}\n类别：{category}\n地点：{place}\n内容：{text}\n"
    "已派给：{handler}。已在回复中提醒反映人拨打相应的求助电话，请立即跟进。"
)
STAFF_UNPLACED_ALERT = (
    "【紧急警情·位置不明】{code}\n类别：{category}\n内容：{text}\n"
    "反映人尚未发送位置，已请其发送位置或详细地址；已派给：{handler}。"
    "已在回复中提醒反映人拨打相应的求助电话，请立即跟进。"
)
STAFF_UNPLACED_HINT = (
    "反映人尚未发送位置：弄清地点后，可回复“指派 {code} 账号”交给当地网格的工作人员。\n"
)
DESK_PLACED = (
    "【工单改派】反映人已发送位置，工单 {code} 已转给当地的 {name} 办理，您不用再办理了。"
)
STAFF_ACCEPTED = "已接单：{code}。办完后请回复“办结 {code} 处理情况”。"
STAFF_ACCEPTED_ATTEND = "已接单：{code}。此件属“六必到”，请尽快到现场并回复“到场 {code}”。"
STAFF_RESOLVED = "已办结：{code}，已通知反映人。辛苦了！"
STAFF_NO_TICKETS = "您目前没有待办工单。"
STAFF_TICKETS_HEADER = "您的待办工单（{count} 件）："
STAFF_TICKET_LINE = "· {code} {category} {state}：{text}"
STAFF_HELP = (
    "可用指令（工单号可省略前缀 GB-）：\n"
    "接单 工单号 —— 受理工单\n"
    "到场 工单号 —— 已到现场（可随后发送位置）\n"
    "办结 工单号 处理情况 —— 办结并通知反映人（10 分钟内发的照片会附上）\n"
    "转派 工单号 账号或姓名 —— 转给其他工作人员\n"
    "上报 工单号 原因 —— 报上一级处理\n"
    "退回 工单号 原因 —— 不属于本人职责，退回重新分派\n"
    "我的工单 —— 查看待办\n"
    "工单 工单号 —— 查看详情和处理记录\n"
    "户 户号 [全部] —— 查看住户（默认脱敏）\n"
    "查户 地址片段 —— 按地址查找住户\n"
    "采集 工单号 确认 户号 —— 确认信息采集，更新民情档案\n"
    "开始巡查 / 巡查结束 情况 / 巡查记录 —— 一日双巡\n"
    "走访 户号 情况 —— 记录走访（可随后发照片或位置）\n"
    "走访记录 [户号] —— 查看最近的走访\n"
    "控制台 —— 获取网页控制台的登录链接\n"
    "帮助 —— 查看本说明"
)
SUPERVISOR_HELP = (
    "\n负责人还可以：\n"
    "汇总 —— 辖区工单情况\n"
    "超时 —— 辖区超时工单\n"
    "督办 工单号 说明 —— 催办并记录\n"
    "指派 工单号 账号或姓名 —— 指定处理人\n"
    "通知 内容 —— 向辖区居民发通知（指定范围：通知 单位或网格编号：内容）"
)
NOT_UNDERSTOOD = "没看懂这条指令。\n"
STAFF_NOT_REGISTERED = "您还不在网格通的人员名单中，请联系管理员导入后再使用。"

STAFF_ARRIVED = "已记录到场：{code}。处理完后请回复“办结 {code} 处理情况”。"
STAFF_TRANSFERRED = "工单 {code} 已转给 {name}。"
STAFF_ESCALATED = "工单 {code} 已上报{level}。"
STAFF_RETURNED = "工单 {code} 已退回，已重新分派给 {name}。"
STAFF_URGED = "已督办工单 {code}，已通知 {name}。"
STAFF_ASSIGNED_BY = "工单 {code} 已指派给 {name}。"
# Who may pass a ticket on, the person it is taken from, and staff off duty
ONLY_WHO_MAY = "只有{who}可以{verb}工单。"
WHO_MAY_ASSIGNEE = "工单的当前处理人"
WHO_MAY_OR = "或"
TAKEN_FROM_YOU = "【工单改派】{by} 已把工单 {code} 改派给 {name}，您不用再办理了。"
STAFF_OFF_DUTY = (
    "您目前不在网格通的在岗人员名单中，不能再查看或办理工单和住户信息。如有疑问，请联系管理员。"
)
OFF_DUTY_NOTE = "{userid} 不在岗"
OFF_DUTY_MOVED = "【工单改派】{old} 已不在岗，工单 {code}（{category}）已改由 {new} 办理。"
ESCALATION_OFF_DUTY = (
    "【无人接手】工单 {code}（{category}）的处理人 {name} 已不在岗，辖区内暂无可接手的人员，"
    "已上报到{level}。\n地点：{place}\n内容：{text}\n可回复“指派 {code} 账号”安排处理。"
)
STAFF_PHOTO_ATTACHED = "照片已附在工单 {code} 的办结记录上。"
STAFF_PHOTO_UNMATCHED = "照片已收到，但没有附到工单上：办结后 10 分钟内发送的照片才会附上。"
STAFF_LOCATION_NOTED = "位置已记在工单 {code} 的到场记录上。"
STAFF_NOT_FOUND = "没有找到工作人员“{who}”，请写企业微信账号或姓名。"
STAFF_AMBIGUOUS = "名叫“{who}”的有多位，请改写企业微信账号：{userids}"
STAFF_OUTSIDE_UNIT = "{name} 不在工单所在辖区，不能接手工单 {code}。"
NOT_SUPERVISOR = "这个指令只有综治中心负责人可以使用。"
UNIT_OUTSIDE_YOURS = "{unit} 不在您的辖区（{own}），无法操作。"
UNIT_AMBIGUOUS = "有几个单位都叫“{name}”：{paths}。请写完整路径或网格编号。"
# Notices to residents (政策宣传), handlers/chat/notices.py
NOTICE_ONLY_SUPERVISORS = (
    "向居民发通知需要由综治中心负责人发送。"
    "如有需要告知居民的事项，请联系您所在社区（村）的负责人。"
)
NOTICE_NEED_TEXT = (
    "请写上通知内容，例如“通知 明天上午停水，请提前储水”；"
    "只发给下辖某个单位时写“通知 东关一网格：明天上午停水”。"
)
NOTICE_TOO_LONG = "通知内容请控制在 {limit} 字以内（现在 {length} 字）。"
NOTICE_UNIT_NOT_FOUND = (
    "没有找到单位“{name}”。请写单位名称、完整路径或网格编号，例如“通知 东关一网格：内容”。"
)
NOTICE_OVER_LIMIT = (
    "{unit} 今天已经发了 {count} 条通知，每个单位每天最多发 {limit} 条，这条没有发送。请明天再发。"
)
NOTICE_TO_RESIDENT = "【{unit}通知】\n{text}"
NOTICE_TEMPLATE_FIRST = "{unit}发布了一条通知"
NOTICE_TEMPLATE_REMARK = "如有疑问，可直接回复本公众号。"
NOTICE_SENT = (
    "通知已发往 {unit}：{reached} 位居民将收到"
    "（客服消息 {by_message} 位，模板消息 {by_template} 位）。"
)
NOTICE_UNREACHED = (
    "另有 {count} 位居民 48 小时内没有联系过公众号，又未配置通知模板消息，无法送达。"
)
NOTICE_NOBODY = (
    "{unit} 还没有可以接收通知的居民（居民发送位置后才会归入网格），这条通知没有发给任何人。"
)
NOTICE_QUIET = "现在是休息时间，通知将于 {time} 起陆续发出。"
NOTICE_PACED = "每分钟发送 {per_minute} 位，约 {minutes} 分钟发完。"
NOTICE_LEFT = "{unit} 今天还可以再发 {left} 条通知。"
OUTSIDE_YOUR_UNITS = "工单 {code} 不在您的辖区，无法操作。"
NEED_REASON = "请写上原因，例如“{verb} {code} 需要街道协调”。"
NEED_WHO = "请写上接手人的企业微信账号或姓名，例如“{verb} {code} zhangsan”。"
AT_TOP_LEVEL = "工单 {code} 已在县级，不能再上报。"
SUMMARY_HEADER = "{unit} 工单汇总："
SUMMARY_LINE = "· {state}：{count} 件"
SUMMARY_OVERDUE = "· 超时未办：{count} 件"
NO_OVERDUE = "辖区内暂无超时工单。"
OVERDUE_HEADER = "超时工单（{count} 件）："
OVERDUE_LINE = "· {code} {category} {what}，已超 {late}{where}，处理人：{name}"
OVERDUE_WHERE = "（在{level}时超时）"
TICKET_DETAIL = (
    "工单 {code}（{category}）{urgent}\n状态：{state}　层级：{level}\n处理人：{handler}\n"
    "地点：{place}\n内容：{text}\n时限：{deadline}{overdue}\n处理记录："
)
TICKET_OVERDUE = "\n超时：{what}自 {since} 起超时（在{level}时）"
TRAIL_LINE = "· {at} {actor} {action}{note}"
TRAIL_ACTIONS = {
    "create": "反映",
    "assign": "分派",
    "accept": "接单",
    "arrive": "到场",
    "resolve": "办结",
    "transfer": "转派",
    "return": "退回",
    "escalate": "上报",
    "urge": "督办",
    "reopen": "重新打开",
    "close": "关闭",
    "rate": "评价",
    "attach": "附照片",
    "attach_voice": "附语音",
    "attach_video": "附视频",
    "attach_link": "附链接",
    "alert": "紧急通报",
    "categorize": "归类",
    "duplicate": "又一户反映",
    "location": "位置",
    "desk": "交县值班",
    "placed": "收到位置，转给当地",
    "update": "居民补充",
    "withdraw": "撤回",
}
LEVEL_NAMES = {0: "网格", 1: "村（社区）", 2: "乡镇（街道）", 3: "县（区）"}
DEADLINE_NAMES = {"accept": "签收", "on_site": "到场", "resolve": "办结", "rate": "评价"}
NO_DEADLINE = "无"

# To staff when a deadline passes or a supervisor acts
ESCALATION_NOTICE = (
    "【超时上报】工单 {code}（{category}）{what}超时，已上报到{level}。\n"
    "处理人：{name}\n地点：{place}\n内容：{text}\n可回复“督办 {code} 说明”催办，"
    "或“指派 {code} 账号”另派。"
)
ESCALATION_BY_STAFF = (
    "【上报】工单 {code}（{category}）由 {name} 上报到{level}。\n原因：{reason}\n"
    "地点：{place}\n内容：{text}\n可回复“指派 {code} 账号”安排处理。"
)
ESCALATION_DISSATISFIED = (
    "【居民不满意】工单 {code}（{category}）反映人对处理结果不满意，已重新打开并上报到{level}。\n"
    "处理人：{name}\n地点：{place}\n内容：{text}\n可回复“督办 {code} 说明”催办，"
    "或“指派 {code} 账号”另派。"
)
ASSIGNEE_REMINDER = "【提醒】工单 {code} {what}已超时，已上报到{level}，请尽快处理。"
URGE_NOTICE = "【督办】{name} 督办工单 {code}：{note}\n请尽快处理并回复进展。"
ESCALATION_REOPENED = (
    "【居民申请重新打开】工单 {code}（{category}）已结束，反映人说问题没有解决，"
    "已重新打开并上报到{level}。\n"
    "原因：{reason}\n处理人：{name}\n地点：{place}\n内容：{text}\n可回复“督办 {code} 说明”催办。"
)
REOPENED_BY_RESIDENT = (
    "【重新办理】反映人申请重新打开工单 {code}（{reason}），已上报到{level}，请重新处理。"
)
REOPENED_NOTICE = (
    "【重新办理】反映人对工单 {code} 的处理结果不满意，工单已重新打开并上报到{level}，请重新处理。"
)
DUPLICATE_NOTICE = "【同一问题】又有一户居民反映了工单 {code} 的问题：{text}"

# To residents at every step
RESIDENT_ON_SITE = "工作人员已到现场处理您反映的问题（工单 {code}）。"
RESIDENT_TRANSFERRED = "您反映的问题（工单 {code}）已转交{handler}处理。"
RESIDENT_ESCALATED = "您反映的问题（工单 {code}）已上报到{level}协调处理，请您耐心等待。"
RESIDENT_ASK_RATING = "请您对处理结果评价，回复数字：\n1 满意\n2 基本满意\n3 不满意"
RESIDENT_RATED = "感谢您的评价！工单 {code} 已结束。有事随时找我们。"
RATING_CODE_UNKNOWN = "没有找到您反映的工单 {code}，请核对工单号。回复“查询”可以查看您的工单。"
RATING_BY_FIRST_REPORTER = (
    "工单 {code} 由最先反映这个问题的居民评价。您的情况已一并转告处理人，进展也会告诉您；"
    "如果问题在您这里还没解决，请直接把情况发给我们。"
)
RATING_NOT_DUE = "工单 {code} 现在的状态是“{state}”，办结后再请您评价。"
RESIDENT_REOPENED = "抱歉让您不满意。工单 {code} 已重新打开，并上报到{level}督促处理。"
RESIDENT_REROUTED = "您反映的问题（工单 {code}）已改由{handler}处理，请您放心。"
RESIDENT_AUTO_CLOSED = (
    "您反映的问题（工单 {code}）办结后没有收到您的评价，已按“满意”结束。"
    "如果问题还没有解决，{within}内回复“重新打开 {code} 原因”，我们会重新办理。"
)
RESIDENT_REOPENED_ON_REQUEST = (
    "工单 {code} 已重新打开，并上报到{level}督促处理。进展会及时告诉您。"
)
REOPEN_TOO_LATE = (
    "工单 {code} 已结束超过{within}，不能再重新打开。"
    "如果问题还在，请直接把现在的情况发给我们，我们会作为新问题尽快办理。"
)
REOPEN_STILL_OPEN = (
    "工单 {code} 还在办理中（{state}），不需要重新打开。有新情况可以发送“补充 {code} 内容”。"
)
REOPEN_WITHDRAWN = (
    "工单 {code} 已由您撤回。如果问题还在，请直接把情况发给我们，我们会作为新问题办理。"
)
REOPEN_HOW = "请写上要重新打开的工单号和原因，比如“重新打开 {code} 问题又出现了”。"
REOPEN_NOTHING = "您最近没有已结束的工单可以重新打开。有新的问题请直接告诉我们。"
REOPEN_NOTE = "居民申请重新打开"
REOPEN_BY_FIRST_REPORTER = (
    "工单 {code} 由最先反映这个问题的居民申请重新打开。"
    "如果问题在您这里还没解决，请直接把现在的情况发给我们，我们会尽快办理。"
)
RESIDENT_DUPLICATE = (
    "谢谢您！这个问题已有邻居反映过，正在处理中（工单 {code}，{state}）。"
    "我们已把您的情况一并转告处理人，进展也会告诉您。"
)
EARLIER_UPDATES = "这段时间您的工单有新进展："
RATING_LABELS = {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"}

# The registry (民情档案), to staff
HOUSEHOLD_MASKED = (
    "户号 {code}（{grid}）\n地址：{address}\n户主：{head}\n电话：{phone}\n"
    "身份证：{id_number}\n人数：{members}\n关注标签：{tags}\n重点人员：{key_tags}\n"
    "（已脱敏；有权限者可发“户 {code} 全部”）"
)
HOUSEHOLD_FULL = (
    "户号 {code}（{grid}）【完整信息，已记录查看】\n地址：{address}\n户主：{head}\n电话：{phone}\n"
    "身份证：{id_number}\n人数：{members}\n关注标签：{tags}\n重点人员：{key_tags}\n备注：{note}"
)
KEY_TAGS_HIDDEN = "有（完整信息中可见）"
HOUSEHOLD_NOT_VISIBLE = "没有找到户号 {code}，或该户不在您的辖区。"
HOUSEHOLD_FULL_REFUSED = "您的岗位不能查看完整信息，只能查看脱敏信息。本次请求已记录。"
HOUSEHOLD_SEARCH_HINT = "请写上至少两个字的地址片段，例如“查户 东关路12号”。"
HOUSEHOLD_NONE_FOUND = "您的辖区内没有地址包含“{fragment}”的住户。"
HOUSEHOLD_FOUND = "找到 {count} 户（户主已脱敏）："
HOUSEHOLD_LINE = "· {code} {address} 户主 {head}"
REGISTRY_LOCKED = "民情档案暂不可用（未配置数据密钥），请联系管理员。"
NO_CHANGE_REQUEST = "工单 {code} 没有待确认的信息采集。"
CHANGE_NEEDS_HOUSEHOLD = "请写上要更新的户号，例如“采集 {code} 确认 H0001”。"
CHANGE_CONFIRMED = (
    "已确认工单 {code} 的信息采集（{kind}），户 {household} 已更新，现有 {members} 人。"
)
CHANGE_KINDS = {
    "birth": "出生",
    "death": "死亡",
    "move_in": "迁入",
    "move_out": "迁出",
    "tenant": "新租户",
    "other": "其他变更",
}
STAFF_COLLECT_HINT = "这是一条信息采集，核实后请回复“采集 {code} 确认 户号”更新民情档案。\n"

# Patrols (一日双巡) and visits (五必访), to grid workers
PATROL_REMINDER = (
    "{name}您好，到巡查时间了。出发时回复“开始巡查”，途中可发送位置，"
    "结束时回复“巡查结束 无异常”或“巡查结束 发现的问题”。"
)
PATROL_MISSED = "【提醒】本时段巡查尚未完成，已记为未巡查。如已巡查，请补充说明。"
PATROL_STARTED = (
    "已开始巡查，注意安全。途中可发送位置记录轨迹，"
    "结束时回复“巡查结束 无异常”或“巡查结束 发现的问题”。"
)
PATROL_ALREADY = "本时段的巡查{state}。"
PATROL_NOT_STARTED = "您现在没有进行中的巡查。请先回复“开始巡查”。"
PATROL_DONE = "巡查结束，已记录：无异常。辛苦了！"
PATROL_DONE_WITH_TICKET = "巡查结束。发现的问题已生成工单 {code}（{category}）并派出。辛苦了！"
PATROL_LATE = "本时段巡查已过截止时间，仍记为未巡查。"
PATROL_LATE_WITH_TICKET = (
    "本时段巡查已过截止时间，仍记为未巡查；发现的问题已生成工单 {code}（{category}）并派出。"
)
PATROL_TRACKED = "已记录巡查轨迹点（共 {count} 个）。"
PATROL_HISTORY_HEADER = "近七天巡查记录（上午 / 下午）："
PATROL_STATES = {"started": "进行中", "done": "已完成", "missed": "未巡查", None: "—"}
VISIT_PLAN_HEADER = "{name}您好，本周走访计划（{count} 户）："
VISIT_PLAN_LINE = "· {code} {head} {address}（{tags}）{when}"
VISIT_OVERDUE = "已逾期"
VISIT_KEY_PERSON = "重点关注"
VISIT_CHANGED = "人员变动"
VISIT_DUE_ON = "{date} 前"
VISIT_DUE_TODAY = "今天到期"
VISIT_HISTORY_MINE = "您最近的走访记录（{count} 次）："
VISIT_HISTORY_OF = "户 {code} 最近的走访记录（{count} 次）："
VISIT_HISTORY_LINE = "· {at} {code} {name}：{note}"
VISIT_HISTORY_EMPTY = "还没有走访记录。走访后请发送“走访 户号 情况”记录。"
VISIT_PLAN_EMPTY = "{name}您好，本周没有到期的走访。"
VISIT_RECORDED = "已记录对户 {code} 的走访。下次走访：{next}。可接着发送照片或位置。"
VISIT_NEEDS_NOTE = "请写上走访情况，例如“走访 H0001 老人身体尚好，已送米面”。"
VISIT_MEDIA_KEPT = "已附在对户 {code} 的走访记录上。"

# Digests, to supervisors
DIGEST_HEADER = "【工作简报】{unit}（{start} 至 {end}）"
DIGEST_TICKETS = (
    "工单：新增 {new}，签收 {accepted}，办结 {resolved}，超时 {overdue}，上报 {escalated}"
)
DIGEST_CATEGORY = "· {category}：新增 {count}"
DIGEST_GRID = "· {grid}：新增 {count}"
DIGEST_PATROLS = "巡查：完成 {done} 次，未巡查 {missed} 次"
DIGEST_VISITS = "走访：完成 {done} 户，逾期未访 {overdue} 户"
DIGEST_WORST = "最需关注："
CHART_TITLE = "{unit} 新增工单（按类别）"
DIGEST_NO_CHART = "本期没有新增工单，不附图表。"
ASSESSMENT_HEADER = "【季度考核】{quarter}，共 {count} 人："
ASSESSMENT_LINE = "· {name}（{unit}）{score} 分 {grade}"
ASSESSMENT_EMPTY = "【季度考核】{quarter}：本季度没有工单、巡查或走访记录，暂不评定等级。"

# Delivery
DEAD_LETTER = (
    "【消息未送达】第 {id} 号{channel}消息（收件人 {recipient}）多次发送失败，已停止重试。"
    "请核实对方账号后由管理员执行“gridbot outbox retry {id}”。"
)
CHANNEL_NAMES = {"mp": "公众号", "work": "企业微信"}

# Refusals
TICKET_NOT_FOUND = "没有找到工单 {code}，请核对工单号。"
NOT_YOUR_TICKET = "工单 {code} 不是派给您的，无法操作。"
EXAMPLE_CODE = "GB-7K3PQ"  # stands in for a ticket number in examples
NEED_CODE = "请在指令后写上工单号，例如“{verb} " + EXAMPLE_CODE + "”。"
NEED_NOTE = "请写上处理情况，例如“办结 {code} 已清理完毕”。"
REFUSED = "工单 {code} 当前状态为“{state}”，不能{action}。"
# After a refusal to staff: what to do next, by the ticket's state ("accepted" by must-attend).
NEXT_STEPS = {
    "new": "工单还在等待分派，负责人可回复“指派 {code} 账号”。",
    "assigned": "请先回复“接单 {code}”。",
    "accepted": "处理完成后请回复“办结 {code} 处理结果”。",
    "accepted_attend": "请先到现场并回复“到场 {code}”。",
    "on_site": "处理完成后请回复“办结 {code} 处理结果”。",
    "resolved": "工单已办结，正在等待居民评价，无需再操作。",
    "closed": "工单已结束，无需再操作。",
    "withdrawn": "居民已撤回这个工单，无需再办理。",
}
NEED_ON_SITE = "工单 {code} 属于“六必到”情形，请先到现场并回复“到场 {code}”，再办结。"
ACTION_NAMES = {
    "accept": "接单",
    "resolve": "办结",
    "assign": "分派",
    "arrive": "到场",
    "transfer": "转派",
    "return": "退回",
    "escalate": "上报",
    "urge": "督办",
    "reopen": "重新办理",
    "close": "关闭",
    "withdraw": "撤回",
    "update": "补充",
}

ROLE_NAMES = {
    "grid_worker": "网格员",
    "mediator": "调解员",
    "security": "治安员",
    "population": "人口信息员",
    "corrections": "社区矫正专干",
    "service": "便民服务专员",
    "police_assistant": "辅警",
    "env_inspector": "环境巡查员",
    "legal_adviser": "法律顾问",
    "supervisor": "综治中心负责人",
    "duty": "值班员",
}


def roles_named(roles) -> str:
    """A person's roles as they are called (网格员、调解员)."""
    return "、".join(ROLE_NAMES.get(role, role) for role in roles)


# Follow-ups and self-service (handlers/chat/follow_ups.py, handlers/chat/self_service.py)
JOINED = "收到，您说的情况已补充到工单 {code}，我们会一并转告负责的工作人员，谢谢您！"
ASK_JOIN = (
    "您有一件相近的问题正在办理：工单 {code}（{text}）。\n"
    "这是关于工单 {code} 的补充吗？回复 1 是，2 是新问题"
)
UPDATE_NOTICE = "【居民补充】工单 {code}：{text}"
WITHDRAWN_NOTICE = "【居民撤回】工单 {code} 已由居民撤回{reason}，无需再办理。"
WITHDRAWN_REASON = "，原因：{reason}"
RESIDENT_WITHDRAWN = "工单 {code} 已撤回，我们已告知负责的工作人员。以后有需要，随时告诉我们。"
WITHDRAW_SHARED = (
    "工单 {code} 还有其他居民一起反映了同一问题，暂时不能撤回。"
    "如果问题已经解决，可以发送“补充 {code} 已经解决了”告诉工作人员。"
)
SELF_CODE_UNKNOWN = "没有找到您正在办理的工单 {code}，请核对工单号。发送“查询”可以查看您的工单。"
WITHDRAW_HOW = "如需撤回，请发送“撤回 工单号 原因”，比如“撤回 {code} 已经自行解决了”。"
SUPPLEMENT_EMPTY = "请在工单号后面写上要补充的内容，比如“补充 {code} 门口又多了两袋垃圾”。"
ASK_FORGET = (
    "确定要删除您在网格通的个人信息吗？您正在办理的工单会先撤回，"
    "已办结的工单只保留不含个人信息的统计，删除后不能恢复。\n回复 1 确认删除，2 取消"
)
FORGET_CANCELLED = "好的，已取消，您的信息没有变动。"
FORGOTTEN = (
    "已按您的要求删除了您的个人信息{withdrawn}。感谢您一直以来的支持，以后有需要，随时给我们留言。"
)
FORGOTTEN_WITHDRAWN = "，并撤回了 {count} 件正在办理的工单"
FORGOTTEN_NOTICE = (
    "【个人信息删除】{unit}有一位居民按本人要求删除了个人信息，"
    "其 {count} 件未办结工单已撤回{codes}。"
)
PRIVACY_INFO = (
    "隐私说明：\n"
    "· 保存什么：您发来的文字、语音识别结果和照片，您发送的位置，以及由此产生的工单和办理记录；\n"
    "· 谁能看到：只有负责办理您问题的网格员、工作人员和督办的上级，"
    "其他工作人员看到的电话号码会隐去部分数字，不会向无关人员公开；\n"
    "· 保存多久：工单关闭或撤回 {days} 天后自动匿名化，只留下不含个人信息的统计；\n"
    "· 您可以随时发送“撤回 工单号”撤回正在办理的工单，"
    "或发送“删除我的信息”删除您的个人信息。"
)

# Open311 GeoReport v2 (/open311/v2/): what other systems read
OPEN311_SERVICE_GROUP = "网格员八大项"
OPEN311_BAD_PARAMETER = "参数 {name} 无效：{problem}"
OPEN311_NOT_FOUND = "未找到：{what}"
OPEN311_BAD_FORMAT = "不支持的格式：{format}（仅支持 xml、json）"
OPEN311_BAD_DATE = "应为 W3C 日期时间，例如 2026-11-26T10:00:00+08:00"
OPEN311_WINDOW_TOO_LONG = "起止日期相隔不能超过 {days} 天"
OPEN311_NOT_A_NUMBER = "应为正整数"
OPEN311_TOO_MANY_CODES = "一次最多查询 {count} 个工单号"
OPEN311_BAD_STATUS = "应为 open 或 closed"
OPEN311_BAD_JURISDICTION = "本系统的 jurisdiction_id 为 {jurisdiction}"
OPEN311_KEY_NEEDED = "需要有效的 api_key"
OPEN311_NOT_SUPPORTED = "本系统不支持 address_id，请改用 lat/long 或 address_string"
OPEN311_LOCATION_NEEDED = "需要 lat 与 long，或 address_string"
OPEN311_BAD_POINT = "应为经纬度数值（lat -90～90，long -180～180）"
OPEN311_PLACE_UNKNOWN = "未能识别该地址所属网格"
OPEN311_TOO_LONG = "不能超过 {count} 个字符"
OPEN311_DESCRIPTION_NEEDED = "未指定 service_code 时需要 description"
OPEN311_NO_CATEGORY = "无法判断问题类别，请指定 service_code"
OPEN311_JOINED = "附近已有同一问题的工单 {code} 正在办理，本次反映已并入该工单"
OPEN311_BAD_URL = "应为 http(s) 链接"
OPEN311_TOO_LARGE = "请求体不能超过 {kib} KiB"
OPEN311_RATE_LIMITED = "请求过于频繁，请 {seconds} 秒后再试"
OPEN311_END_BEFORE_START = "end_date 不能早于 start_date"
OPEN311_NOT_A_FORM = "请求体应为 application/x-www-form-urlencoded 表单"
OPEN311_UNAVAILABLE = "服务暂时不可用，请稍后重试"

# The web console (/console/): the staff command 控制台, its pages and their refusals
CONSOLE_LINK = (
    "网格通控制台的登录链接（10 分钟内有效，只能使用一次，请勿转发）：\n{url}\n"
    "请在电脑或手机浏览器中打开。"
)
CONSOLE_DEMO_LINK = (
    "网页控制台（以东关社区负责人{name}的身份，10 分钟内有效，只能使用一次；"
    "之后在企业微信中发“控制台”可再取）：\n{url}"
)
CONSOLE_LINK_FORGED = "这个登录链接无效。请在企业微信中向网格通发送“控制台”，获取新的链接。"
CONSOLE_LINK_USED = "这个登录链接已经用过了。请在企业微信中向网格通发送“控制台”，获取新的链接。"
CONSOLE_LINK_EXPIRED = (
    "这个登录链接已超过 10 分钟，已经失效。请在企业微信中向网格通发送“控制台”，获取新的链接。"
)
CONSOLE_OFF_DUTY = "您目前不在网格通的在岗人员名单中，不能登录控制台。如有疑问，请联系管理员。"
CONSOLE_LOGGED_OUT = "您尚未登录，或登录已过期。请在企业微信中向网格通发送“控制台”，获取登录链接。"
CONSOLE_CSRF = "页面已过期，请返回重新操作。"
CONSOLE_WECOM_STATE = (
    "这次登录已超过 10 分钟，或不是从这个浏览器发起的，为了安全没有登录。"
    "请重新打开控制台，再用企业微信登录。"
)
CONSOLE_WECOM_DENIED = "您没有在企业微信中同意登录，所以没有登录控制台。需要时请重新打开控制台。"
CONSOLE_WECOM_CODE = "企业微信的登录凭证无效或已经用过。请重新打开控制台，再用企业微信登录。"
CONSOLE_WECOM_OUTSIDER = "您不是本单位企业微信的成员，不能登录控制台。如有疑问，请联系管理员。"
CONSOLE_WECOM_UNKNOWN = (
    "您的企业微信账号不在网格通的人员名单中，不能登录控制台。如有疑问，请联系管理员。"
)
CONSOLE_WECOM_UNAVAILABLE = (
    "暂时无法连接企业微信，没能登录。请稍后再试，或在企业微信中发送“控制台”获取登录链接。"
)
CONSOLE_NOT_FOUND = "没有找到这个页面，或者这张工单不在您的管辖范围内。"
CONSOLE_UNAVAILABLE = "系统暂时无法访问数据库，请稍后再试。"
CONSOLE_EXPORT_TOO_MANY = (
    "符合条件的工单超过 {most} 张，一个文件放不下。"
    "请缩小筛选范围（例如选择单位、类别或反映日期）后再导出。"
)
CONSOLE_EXPORT_HEADER = (
    "工单编号",
    "类别",
    "状态",
    "紧急",
    "超时",
    "层级",
    "网格",
    "办理人",
    "反映时间",
    "期限",
    "内容（号码已隐去）",
)
CONSOLE = {  # the pages' labels
    "title": "网格通控制台",
    "tickets": "工单",
    "staff": "人员与网格",
    "logout": "退出登录",
    "all": "全部",
    "state": "状态",
    "category": "类别",
    "overdue": "只看超时",
    "urgent": "只看紧急",
    "filter": "筛选",
    "total": "共 {count} 张",
    "overdue_count": "超时",
    "page": "第 {page} / {pages} 页",
    "capped": "符合条件的工单超过 10,000 张，只能翻看最新的 10,000 张；请用筛选缩小范围。",
    "previous": "上一页",
    "next": "下一页",
    "none": "没有符合条件的工单。",
    "export_csv": "导出 CSV",
    "export_xlsx": "导出 Excel",
    "code": "编号",
    "text": "内容",
    "place": "地点",
    "handler": "办理人",
    "level": "层级",
    "created": "反映时间",
    "deadline": "期限",
    "trail": "办理记录",
    "when": "时间",
    "who": "操作人",
    "action": "动作",
    "note": "说明",
    "back": "返回工单列表",
    "masked": "电话和身份证号码已隐去部分数字。",
    "urgent_mark": "紧急",
    "overdue_mark": "已超时",
    "yes": "是",
    "no": "否",
    "signed_in": "{name}（{role}）",
    "refused": "无法打开",
    "enter_title": "进入网格通控制台",
    "enter_note": "请点击下面的按钮进入控制台。此链接只能使用一次，请勿转发。",
    "enter": "进入控制台",
    "login_again": "获取新链接：在企业微信中向网格通发送“控制台”。",
    "unit": "单位",
    "unit_hint": "本单位或下级单位的路径",
    "since": "反映日期从",
    "until": "至",
    "search": "搜索",
    "search_hint": "工单编号或网格名称",
    "must_attend": "只看六必到",
    "actions": "办理",
    "hand_to": "交给（姓名或企业微信账号）",
    "reason": "原因或要求",
    "sort": "排序",
    "location": "定位",
    "no_location": "未定位",
    "photos": "照片",
    "photo_alt": "照片（{at}）",
    "attachments": "其他附件",
    "linked_title": "同一问题的其他反映",
    "linked": "又有 {count} 户反映同一问题：",
    "linked_none": "没有其他居民反映同一问题。",
    # the 一张图 map (/console/map)
    "map": "一张图",
    "map_title": "辖区一张图",
    "map_clear": "无未办结工单",
    "map_open": "有未办结工单",
    "map_overdue": "有超时工单",
    "map_ticket": "未办结工单（按位置聚合）",
    "map_worker": "网格员",
    "map_nobody": "暂无",
    "map_open_count": "未办结",
    "map_overdue_count": "超时",
    "map_view": "查看工单",
    "map_loading": "正在加载地图……",
    "map_failed": "地图数据加载失败，请刷新页面重试。",
    "map_note": "点击网格查看网格员和工单数，点击标记查看工单。工单位置约精确到 100 米。",
    "dashboard": "三率统计",
    "assessment": "季度考核",
}
CONSOLE_DASHBOARD = {  # the 三率 dashboard and the assessment page (bot/console/dashboard.py)
    "title": "三率统计",
    "scope": "范围：{unit}",
    "rates": "及时签收率、按时办结率、满意率（按单位、按月）",
    "rates_note": (
        "与季度考核同一口径：按工单反映时间归月；撤回的工单不计；“-”表示当月没有可计算的工单。"
    ),
    "unit": "单位",
    "month": "月份",
    "accept_rate": "及时签收率",
    "resolve_rate": "按时办结率",
    "satisfaction": "满意率",
    "tickets": "工单",
    "all_units": "合计",
    "elsewhere": "其他（分派给本人）",
    "unplaced": "尚未定位",
    "weeks": "各类工单数（按周，周一起）",
    "category": "类别",
    "total": "合计",
    "rounds": "巡查与走访完成情况（最近 30 天）",
    "workers": "网格员",
    "patrols": "巡查（完成/应巡）",
    "patrol_rate": "巡查完成率",
    "visits": "走访（次数/应访户）",
    "visit_rate": "走访完成率",
    "overdue": "超时工单（按单位）",
    "overdue_count": "超时",
    "no_overdue": "目前没有超时工单。",
    "signals": "苗头性问题（14 天内 300 米范围内同类反映 3 次及以上）",
    "no_signals": "最近 14 天没有发现苗头性问题。",
    "place": "地点",
    "count": "反映次数",
    "period": "时间",
    "see_tickets": "查看这些工单",
    "at_least": "至少 {count}",
    "rates_chart": "三率按月变化图",
    "weeks_chart": "各类工单按周数量图",
    "assessment": "季度考核",
    "quarter": "季度",
    "show": "查看",
    "download": "下载 Excel",
    "assessment_empty": "{quarter} 没有需要考核的人员。",
    "bad_quarter": "季度的写法不对，或者这个季度还没有开始。请写成 2026Q4 这样的格式。",
}
SORT_NAMES = {  # the console list's orders (storage/repos/console.py ORDERS)
    "newest": "最新反映在前",
    "oldest": "最早反映在前",
    "deadline": "期限最近在前",
    "level": "层级最高在前",
}
ATTACHMENT_KINDS = {
    "image": "照片",
    "voice": "语音",
    "video": "视频",
    "shortvideo": "小视频",
    "link": "链接",
}
CONSOLE_PHOTO_GONE = "这张照片已无法取回（微信只保存临时素材 3 天）。"

# The console's staff pages (bot/console/staff.py, handlers/console/staff.py)
CONSOLE_STAFF = {  # the pages' labels
    "nav": "人员与网格",
    "title": "人员与网格",
    "person": "人员",
    "name": "姓名",
    "userid": "企业微信账号",
    "phone": "电话",
    "roles": "岗位",
    "unit": "所在单位",
    "duty": "状态",
    "on_duty": "在岗",
    "off_duty": "离岗",
    "nobody": "暂无人员",
    "up": "上一级",
    "back": "返回人员与网格",
    "open": "查看",
    "add": "添加人员",
    "add_button": "添加",
    "change_roles": "调整岗位",
    "save_roles": "保存岗位",
    "move": "调到其他单位",
    "move_button": "调动",
    "take_off": "停用（离岗）",
    "take_off_note": "离岗后，其未办结的工单将改派他人，并通知负责人；其控制台登录立即失效。",
    "take_off_button": "设为离岗",
    "bring_back": "恢复在岗",
    "bring_back_button": "恢复在岗",
    "read_only": "您可以查看本单位人员；调整人员请联系综治中心负责人。",
    "masked": "电话号码已隐去部分数字。",
    "roster_note": "在此添加的人员也请写入 staff.csv；重新导入的名单中没有的人员会被设为离岗。",
}
STAFF_ADDED = "已添加 {name}（{roles}），所在单位：{unit}。"
STAFF_ROLES_CHANGED = "{name} 的岗位已改为：{roles}。"
STAFF_MOVED = "{name} 已调到 {unit}。"
STAFF_TAKEN_OFF = "{name} 已设为离岗，{count} 张未办结的工单已改派。"
STAFF_ALREADY_OFF = "{name} 已经是离岗状态。"
STAFF_BROUGHT_BACK = "{name} 已恢复在岗。"
STAFF_ALREADY_ON = "{name} 已经在岗。"
STAFF_ONLY_SUPERVISORS = "只有综治中心负责人可以调整人员。"
STAFF_NOT_YOURSELF = "不能调整您本人的岗位、单位或在岗状态，请联系上级负责人。"
STAFF_NEED_ROLE = "请至少选择一个岗位。"
STAFF_UNKNOWN_ROLE = "岗位“{role}”不存在。"
STAFF_DESK_COUNTY_ONLY = "值班员只设在县级综治中心。"
STAFF_UNIT_UNKNOWN = "请选择您管辖范围内的单位。"
STAFF_USERID_BAD = "企业微信账号只能由字母、数字和 _ . @ - 组成（最多 64 个字符）。"
STAFF_USERID_TAKEN = "企业微信账号 {userid} 已在名单中。"
STAFF_NAME_BAD = "请填写姓名（最多 64 个字）。"
STAFF_PHONE_BAD = "电话号码格式不对，请填写手机号或带区号的座机号。"
CONSOLE_STAFF_NOT_FOUND = "没有找到这个人员或单位，或者不在您的管辖范围内。"
