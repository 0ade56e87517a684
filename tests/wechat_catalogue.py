"""Every kind of message and event WeChat and WeCom post to a webhook, written for gridbot from
their documentation (the Official Account's 接收普通消息 / 接收事件推送 / 自定义菜单事件推送 /
订阅通知 / 群发 / 模板消息 / 卡券 / 发票 / 设备 pages, WeCom's 接收消息与事件): the kinds that
the parser tests of wechatpy and WeRoBot cover, with gridbot's own fictional values. Each case
is the part of the message after its sender's header; `plain` makes the whole XML."""

from __future__ import annotations

from bot.devkit.simulator import WeChatSimulator


def cdata(text: str) -> str:
    return f"<![CDATA[{text}]]>"


def tag(name: str, value: object) -> str:
    return f"<{name}>{value if isinstance(value, int | float) else cdata(str(value))}</{name}>"


def fields(**values: object) -> str:
    return "".join(tag(name, value) for name, value in values.items())


def event(name: str, **values: object) -> tuple[str, str]:
    return "event", tag("Event", name) + fields(**values)


PIC = "<item><PicMd5Sum>{}</PicMd5Sum></item>"
PICS_ONE = (
    "<SendPicsInfo><Count>1</Count><PicList>"
    + PIC.format(cdata("5d41402abc4b2a76b9719d911017c592"))
    + "</PicList></SendPicsInfo>"
)
PICS_TWO = (
    "<SendPicsInfo><Count>2</Count><PicList>"
    + PIC.format(cdata("7d793037a0760186574b0282f2f435e7"))
    + PIC.format(cdata("a1d0c6e83f027327d8461063f4ac58a6"))
    + "</PicList></SendPicsInfo>"
)
SCANNED = (
    "<ScanCodeInfo><ScanType>" + cdata("qrcode") + "</ScanType>"
    "<ScanResult>" + cdata("https://example.org/notice/7") + "</ScanResult></ScanCodeInfo>"
)


def picked_place(lat: float, lon: float, label: str = "青禾县东关路12号") -> str:
    """location_select's SendLocationInfo: the place picked on the map."""
    return (
        "<SendLocationInfo>"
        + fields(Location_X=str(lat), Location_Y=str(lon), Scale="15", Label=label)
        + fields(Poiname="东关社区")
        + "</SendLocationInfo>"
    )


PICKED_PLACE = picked_place(36.6623, 117.0271)
TEMPLATE_A, TEMPLATE_B = "tplA0000000000000000000000000000000000000001", "tplB000000000000002"
POPUP = (
    "<SubscribeMsgPopupEvent>"
    "<List>"
    + fields(TemplateId=TEMPLATE_A, SubscribeStatusString="accept")
    + tag("PopupScene", 0)
    + "</List><List>"
    + fields(TemplateId=TEMPLATE_B, SubscribeStatusString="reject")
    + tag("PopupScene", 0)
    + "</List></SubscribeMsgPopupEvent>"
)
CHANGE = (
    "<SubscribeMsgChangeEvent><List>"
    + fields(TemplateId=TEMPLATE_A, SubscribeStatusString="reject")
    + "</List></SubscribeMsgChangeEvent>"
)
SENT = (
    "<SubscribeMsgSentEvent><List>"
    + fields(TemplateId=TEMPLATE_A, MsgID="2904186337652129795", ErrorCode="0")
    + fields(ErrorStatus="success")
    + "</List></SubscribeMsgSentEvent>"
)
ARTICLE = (
    "<item><ArticleIdx>{idx}</ArticleIdx><UserDeclareState>0</UserDeclareState>"
    "<AuditState>2</AuditState><OriginalArticleUrl>"
    + cdata("https://example.org/article/{idx}")
    + "</OriginalArticleUrl><OriginalArticleType>1</OriginalArticleType>"
    "<CanReprint>1</CanReprint><NeedReplaceContent>1</NeedReplaceContent>"
    "<NeedShowReprintSource>1</NeedShowReprintSource></item>"
)
MASS_SEND = (
    fields(MsgID=1000004321, Status="send success")
    + fields(TotalCount=420, FilterCount=400, SentCount=398, ErrorCount=2)
    + "<CopyrightCheckResult><Count>2</Count><ResultList>"
    + ARTICLE.format(idx=1)
    + ARTICLE.format(idx=2)
    + "</ResultList><CheckState>2</CheckState></CopyrightCheckResult>"
    "<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
    "<ArticleUrl>" + cdata("https://example.org/s/notice-1") + "</ArticleUrl>"
    "</item></ResultList></ArticleUrlResult>"
)
BEACON = "<Uuid>{}</Uuid><Major>10001</Major><Minor>{}</Minor><Distance>{}</Distance>"
SHAKE = (
    "<ChosenBeacon>"
    + BEACON.format(cdata("fda50693-a4e2-4fb1-afcf-c6eb07647825"), 101, 0.35)
    + "</ChosenBeacon><AroundBeacons><AroundBeacon>"
    + BEACON.format(cdata("fda50693-a4e2-4fb1-afcf-c6eb07647825"), 102, 12.5)
    + "</AroundBeacon><AroundBeacon>"
    + BEACON.format(cdata("fda50693-a4e2-4fb1-afcf-c6eb07647825"), 103, 40.25)
    + "</AroundBeacon></AroundBeacons>"
)
CARD = "pDF3iY0_example_card_0001"


def batch_job(job_type: str) -> str:
    return (
        "<BatchJob>"
        + fields(JobId="job_0042", JobType=job_type, ErrMsg="ok")
        + ("<ErrCode>0</ErrCode></BatchJob>")
    )


# name → (channel, MsgType and the rest); the Official Account's messages first
CASES: dict[str, tuple[str, tuple[str, str]]] = {
    "mp text": ("mp", ("text", fields(Content="楼道灯坏了一个星期了"))),
    "mp image": ("mp", ("image", fields(PicUrl="http://mmbiz.example/p1.jpg", MediaId="m-img-1"))),
    "mp voice recognised": (
        "mp",
        ("voice", fields(MediaId="m-voice-1", Format="amr", Recognition="路口红绿灯不亮了")),
    ),
    "mp voice": ("mp", ("voice", fields(MediaId="m-voice-2", Format="amr"))),
    "mp voice, empty recognition": (
        "mp",
        ("voice", fields(MediaId="m-voice-3", Format="speex", Recognition="")),
    ),
    "mp video": ("mp", ("video", fields(MediaId="m-video-1", ThumbMediaId="m-thumb-1"))),
    "mp short video": (
        "mp",
        ("shortvideo", fields(MediaId="m-video-2", ThumbMediaId="m-thumb-2")),
    ),
    "mp location": (
        "mp",
        ("location", fields(Location_X=36.6623, Location_Y=117.0271, Scale=15, Label="东关路")),
    ),
    "mp link": (
        "mp",
        (
            "link",
            fields(Title="小区停水通知", Description="明天停水", Url="https://example.org/a/1"),
        ),
    ),
    "mp mini program page": (
        "mp",
        (
            "miniprogrampage",
            fields(Title="报名", AppId="wx0000000000mini01", PagePath="pages/index/index")
            + fields(ThumbUrl="http://mmbiz.example/t.jpg", ThumbMediaId="m-thumb-3"),
        ),
    ),
    "mp unknown message": ("mp", ("notsure", fields(Content="?"))),
    "mp device text": (
        "mp",
        (
            "device_text",
            fields(DeviceType="gh_device01", DeviceID="dev-0001", SessionID="9")
            + fields(Content="aGVsbG8=", OpenID="o_device_owner"),
        ),
    ),
    "mp device bind": (
        "mp",
        (
            "device_event",
            tag("Event", "bind")
            + fields(DeviceType="gh_device01", DeviceID="dev-0001", SessionID="9")
            + fields(Content="", OpenID="o_device_owner"),
        ),
    ),
    # events
    "subscribe": ("mp", event("subscribe")),
    "subscribe from a QR code": (
        "mp",
        event("subscribe", EventKey="qrscene_grid:G-EXAMPLE", Ticket="gQExample00001"),
    ),
    "subscribe from a product": (
        "mp",
        event("subscribe", EventKey="scanbarcode|EAN13|6901234567892|0"),
    ),
    "unsubscribe": ("mp", event("unsubscribe")),
    "SCAN": ("mp", event("SCAN", EventKey="grid:G-EXAMPLE", Ticket="gQExample00001")),
    "LOCATION": ("mp", event("LOCATION", Latitude=36.6623, Longitude=117.0271, Precision=65.0)),
    "CLICK": ("mp", event("CLICK", EventKey="how_to_report")),
    "VIEW": ("mp", event("VIEW", EventKey="https://example.org/guide", MenuId="401")),
    "scancode_push": (
        "mp",
        ("event", tag("Event", "scancode_push") + tag("EventKey", "scan") + SCANNED),
    ),
    "scancode_waitmsg": (
        "mp",
        ("event", tag("Event", "scancode_waitmsg") + tag("EventKey", "scan") + SCANNED),
    ),
    "pic_sysphoto, one picture": (
        "mp",
        ("event", tag("Event", "pic_sysphoto") + tag("EventKey", "photo") + PICS_ONE),
    ),
    "pic_sysphoto, two pictures": (
        "mp",
        ("event", tag("Event", "pic_sysphoto") + tag("EventKey", "photo") + PICS_TWO),
    ),
    "pic_photo_or_album": (
        "mp",
        ("event", tag("Event", "pic_photo_or_album") + tag("EventKey", "album") + PICS_TWO),
    ),
    "pic_weixin": (
        "mp",
        ("event", tag("Event", "pic_weixin") + tag("EventKey", "wxalbum") + PICS_ONE),
    ),
    "location_select": (
        "mp",
        ("event", tag("Event", "location_select") + tag("EventKey", "locate") + PICKED_PLACE),
    ),
    "view_miniprogram": (
        "mp",
        event("view_miniprogram", EventKey="pages/index/index", MenuId="402"),
    ),
    "MASSSENDJOBFINISH": ("mp", ("event", tag("Event", "MASSSENDJOBFINISH") + MASS_SEND)),
    "TEMPLATESENDJOBFINISH": (
        "mp",
        event("TEMPLATESENDJOBFINISH", MsgID=2001002003, Status="success"),
    ),
    "TEMPLATESENDJOBFINISH, refused": (
        "mp",
        event("TEMPLATESENDJOBFINISH", MsgID=2001002004, Status="failed:user block"),
    ),
    "subscribe_msg_popup_event": (
        "mp",
        ("event", tag("Event", "subscribe_msg_popup_event") + POPUP),
    ),
    "subscribe_msg_change_event": (
        "mp",
        ("event", tag("Event", "subscribe_msg_change_event") + CHANGE),
    ),
    "subscribe_msg_sent_event": ("mp", ("event", tag("Event", "subscribe_msg_sent_event") + SENT)),
    "ShakearoundUserShake": ("mp", ("event", tag("Event", "ShakearoundUserShake") + SHAKE)),
    "WifiConnected": (
        "mp",
        event(
            "WifiConnected",
            ConnectTime=1764633600,
            ExpireTime=0,
            VendorId="3001224419",
            PlaceId="1900700",
            DeviceNo="00:1f:7a:ad:5c:a8",
        ),
    ),
    "card_pass_check": ("mp", event("card_pass_check", CardId=CARD, RefuseReason="")),
    "card_not_pass_check": (
        "mp",
        event("card_not_pass_check", CardId=CARD, RefuseReason="资料不全"),
    ),
    "user_get_card": (
        "mp",
        event(
            "user_get_card",
            CardId=CARD,
            IsGiveByFriend=0,
            UserCardCode="110201201245",
            FriendUserName="",
            OuterId=0,
            OldUserCardCode="",
            OuterStr="menu",
        ),
    ),
    "user_gifting_card": (
        "mp",
        event(
            "user_gifting_card",
            CardId=CARD,
            UserCardCode="110201201245",
            IsReturnBack=0,
            FriendUserName="o_friend_01",
            IsChatRoom=0,
        ),
    ),
    "user_del_card": ("mp", event("user_del_card", CardId=CARD, UserCardCode="110201201245")),
    "user_consume_card": (
        "mp",
        event(
            "user_consume_card",
            CardId=CARD,
            UserCardCode="110201201245",
            ConsumeSource="FROM_API",
            LocationName="",
            StaffOpenId="o_staff_01",
        ),
    ),
    "user_pay_from_pay_cell": (
        "mp",
        event(
            "user_pay_from_pay_cell",
            CardId=CARD,
            UserCardCode="110201201245",
            TransId="10022403432015",
            LocationId=0,
            Fee=100,
            OriginalFee=100,
        ),
    ),
    "user_view_card": (
        "mp",
        event("user_view_card", CardId=CARD, UserCardCode="110201201245", OuterStr="12b"),
    ),
    "user_enter_session_from_card": (
        "mp",
        event("user_enter_session_from_card", CardId=CARD, UserCardCode="110201201245"),
    ),
    "update_member_card": (
        "mp",
        event(
            "update_member_card",
            CardId=CARD,
            UserCardCode="110201201245",
            ModifyBonus=3,
            ModifyBalance=0,
        ),
    ),
    "card_sku_remind": ("mp", event("card_sku_remind", CardId=CARD, Detail="库存不足100")),
    "card_pay_order": (
        "mp",
        event(
            "card_pay_order",
            OrderId="404091456",
            Status="ORDER_STATUS_FINANCE_SUCC",
            CreateOrderTime=1764633600,
            PayFinishTime=0,
            Desc="",
            OrderType="",
        ),
    ),
    "submit_membercard_user_info": (
        "mp",
        event("submit_membercard_user_info", CardId=CARD, UserCardCode="018255396048"),
    ),
    "merchant_order": (
        "mp",
        event(
            "merchant_order",
            OrderId="7197417460812533543",
            OrderStatus=6,
            ProductId="p_0001",
            SkuInfo="10001:1000012",
        ),
    ),
    "kf_create_session": ("mp", event("kf_create_session", KfAccount="kf2001@gh_gridbot")),
    "kf_close_session": ("mp", event("kf_close_session", KfAccount="kf2001@gh_gridbot")),
    "kf_switch_session": (
        "mp",
        event("kf_switch_session", FromKfAccount="kf2001@gh", ToKfAccount="kf2002@gh"),
    ),
    "qualification_verify_success": (
        "mp",
        event("qualification_verify_success", ExpiredTime=1796169600),
    ),
    "qualification_verify_fail": (
        "mp",
        event("qualification_verify_fail", FailTime=1764633600, FailReason="材料不清晰"),
    ),
    "naming_verify_success": ("mp", event("naming_verify_success", ExpiredTime=1796169600)),
    "naming_verify_fail": (
        "mp",
        event("naming_verify_fail", FailTime=1764633600, FailReason="名称不符"),
    ),
    "annual_renew": ("mp", event("annual_renew", ExpiredTime=1796169600)),
    "verify_expired": ("mp", event("verify_expired", ExpiredTime=1796169600)),
    "user_scan_product": (
        "mp",
        event(
            "user_scan_product",
            KeyStandard="ean13",
            KeyStr="6901234567892",
            Country="中国",
            Province="山东",
            City="济南",
            Sex=1,
            Scene=2,
        ),
    ),
    "user_scan_product_enter_session": (
        "mp",
        event("user_scan_product_enter_session", KeyStandard="ean13", KeyStr="6901234567892"),
    ),
    "user_scan_product_async": (
        "mp",
        event(
            "user_scan_product_async",
            KeyStandard="ean13",
            KeyStr="6901234567892",
            RegionCode="370102",
        ),
    ),
    "user_scan_product_verify_action": (
        "mp",
        event(
            "user_scan_product_verify_action",
            KeyStandard="ean13",
            KeyStr="6901234567892",
            Result="verify_ok",
            ReasonMsg="",
        ),
    ),
    "user_authorize_invoice": (
        "mp",
        event(
            "user_authorize_invoice",
            SuccOrderId="order-1",
            FailOrderId="",
            Source="web",
            AppId="wx0000000000demo01",
        ),
    ),
    "update_invoice_status": (
        "mp",
        event("update_invoice_status", Status="INVOICE_REIMBURSE_INIT", CardId=CARD, Code="1"),
    ),
    "submit_invoice_title": (
        "mp",
        event(
            "submit_invoice_title",
            title="青禾县某某公司",
            phone="",
            tax_no="9137",
            addr="",
            bank_type="",
            bank_no="",
            attach="",
            title_type="Business",
        ),
    ),
    "user_enter_tempsession": ("mp", event("user_enter_tempsession", SessionFrom="menu")),
    "unknown event": ("mp", event("something_new", EventKey="x")),
    # WeCom's app
    "work text": ("work", ("text", fields(Content="我的工单"))),
    "work image": (
        "work",
        ("image", fields(PicUrl="http://wework.example/p1.jpg", MediaId="w-img-1")),
    ),
    "work voice": ("work", ("voice", fields(MediaId="w-voice-1", Format="amr"))),
    "work video": ("work", ("video", fields(MediaId="w-video-1", ThumbMediaId="w-thumb-1"))),
    "work location": (
        "work",
        ("location", fields(Location_X=36.6623, Location_Y=117.0271, Scale=15, Label="东关路")),
    ),
    "work link": (
        "work",
        (
            "link",
            fields(Title="巡查要点", Description="本周", Url="https://example.org/w/1")
            + fields(PicUrl="http://wework.example/l.jpg"),
        ),
    ),
    "work subscribe": ("work", event("subscribe")),
    "work enter_agent": ("work", event("enter_agent", EventKey="")),
    "work LOCATION": (
        "work",
        event("LOCATION", Latitude=36.6623, Longitude=117.0271, Precision=30.0),
    ),
    "work CLICK": ("work", event("click", EventKey="my_tickets")),
    "work VIEW": ("work", event("view", EventKey="https://example.org/w")),
    "work scancode_push": (
        "work",
        ("event", tag("Event", "scancode_push") + tag("EventKey", "scan") + SCANNED),
    ),
    "work pic_photo_or_album": (
        "work",
        ("event", tag("Event", "pic_photo_or_album") + tag("EventKey", "album") + PICS_TWO),
    ),
    "work location_select": (
        "work",
        ("event", tag("Event", "location_select") + tag("EventKey", "here") + PICKED_PLACE),
    ),
    "work batch_job_result, sync_user": (
        "work",
        ("event", tag("Event", "batch_job_result") + batch_job("sync_user")),
    ),
    "work batch_job_result, export_user": (
        "work",
        ("event", tag("Event", "batch_job_result") + batch_job("export_user")),
    ),
    "work change_contact": (
        "work",
        (
            "event",
            fields(Event="change_contact", ChangeType="update_user", UserID="liminghua")
            + "<ExtAttr><Item>"
            + fields(Name="工号")
            + tag("Type", 0)
            + "<Text>"
            + fields(Value="W0042")
            + "</Text></Item><Item>"
            + fields(Name="主页")
            + tag("Type", 1)
            + "<Web>"
            + fields(Title="网格", Url="https://example.org/g")
            + "</Web></Item></ExtAttr>",
        ),
    ),
    "work modify_calendar": ("work", event("modify_calendar", CalId="cal_0001")),
    "work delete_calendar": ("work", event("delete_calendar", CalId="cal_0001")),
    "work add_schedule": ("work", event("add_schedule", CalId="cal_0001", ScheduleId="s1")),
    "work modify_schedule": ("work", event("modify_schedule", CalId="cal_0001", ScheduleId="s1")),
    "work delete_schedule": ("work", event("delete_schedule", CalId="cal_0001", ScheduleId="s1")),
    "work book_meeting_room": (
        "work",
        event("book_meeting_room", MeetingRoomId=1, MeetingId="mt_0001"),
    ),
    "work cancel_meeting_room": (
        "work",
        event("cancel_meeting_room", MeetingRoomId=1, MeetingId="mt_0001"),
    ),
}


def plain(sim: WeChatSimulator, case: str, sender: str) -> str:
    """The decrypted XML of `case` as WeChat would post it from `sender` now."""
    msg_type, rest = CASES[case][1]
    head = fields(ToUserName=sim.account, FromUserName=sender)
    head += tag("CreateTime", int(sim.now())) + tag("MsgType", msg_type)
    tail = "" if msg_type.endswith("event") else tag("MsgId", sim.next_id())
    if sim.channel.name == "work":
        tail += tag("AgentID", sim.agentid)
    return f"<xml>{head}{rest}{tail}</xml>"
