"""Emergencies (call 119/110/120 now) and 六必到 must-attend cases, as reviewed word lists.

The lists and the urgency model (nlu.urgency) decide together: a missed emergency is the one
mistake we cannot afford, and a list can be read, argued about and corrected by the people who
answer the phone; the model finds danger told by the situation, in words no list holds.
"""

from __future__ import annotations

import re

PERSON = (
    "("
    + "|".join(
        (
            "人",
            "老人",
            "老太",
            "老头",
            "大爷",
            "大妈",
            "阿姨",
            "孩子",
            "小孩",
            "娃",
            "学生",
            "小伙",
            "姑娘",
            "女的",
            "男的",
            "司机",
            "骑手",
            "奶奶",
            "爷爷",
            "婆婆",
            "老汉",
            "老伴",
            "大叔",
            "大哥",
            "大姐",
            "他",
            "她",
        )
    )
    + ")"
)
# Each entry: alternatives, any of which marks the message as that kind of emergency. "help"
# names no kind: the urgency model chooses it.
EMERGENCY_WORDS = {
    "fire": (
        r"(?<![不没])着火",
        r"起火",
        r"失火",
        r"火灾(?!隐患)",
        r"烧起来",
        r"烧着了",
        r"火苗",
        r"大火",
        r"火势",
        r"自燃",
        r"爆炸",
        r"炸了",
        r"(屋|房|楼|窗|车|厨房|仓库|车库).{0,6}冒(出)?(了)?(好多|很多|大量|一股|滚滚)?(黑|浓)?烟",
        r"火(很|好|特别)?大",
        r"火.{0,4}(蔓延|窜|烧到|烧上)",
        r"烧到.{0,3}[一二三四五六七八九十两\d]+楼",
        r"(浓|黑)烟.{0,10}(人|出不来|没人(应|开)|敲门|喊)",
        r"(屋|房|楼|店|棚|车|仓库)(子)?(着了|烧了|在烧|烧着)",
        r"呼呼地烧",
        r"(窗帘|被子|床单|沙发|衣服|柴火|草垛|秸秆垛).{0,4}(点着|着了|烧着)",
        r"火光",
        r"(门缝|屋里|家里|窗户|对门|隔壁).{0,4}(一直)?(往外)?冒(出)?(浓|黑)?烟",
        r"冒烟.{0,12}(敲门|喊).{0,4}(没人|不)(应|开|答应)",
        r"(楼道|走廊|楼梯|屋里|家里|房间)(里)?(全|都)是(黑|浓)?烟(?!味|头|蒂)",
        r"火(已经|都)?(烧|窜|冒)(到|上|出|起)",
    ),
    "gas": (
        r"(煤气|燃气|天然气|液化气|沼气)(罐|管|管道|灶)?.{0,6}(泄漏|泄露|漏了|漏气|断了|挖断|爆|"
        r"味(道)?(很|好|特别)?(大|重|浓|冲))",
        r"闻到.{0,4}(煤气|燃气|天然气)",
        r"(煤气|燃气|天然气|液化气)(的)?(味|气味)",
        r"(很|好|特别)?(浓|冲|重|大)的(煤气|燃气|天然气|液化气)",
        r"臭鸡蛋味",
        r"(燃气|煤气|天然气|可燃气体)报警(器)?.{0,6}(响|叫)",
        r"(煤气|燃气|天然气)管.{0,4}(钻|挖|弄|打|撞)(穿|破|断)",
        r"开了煤气.{0,4}不点火",
        r"(气味|味道).{0,10}(头晕|想吐|恶心|昏)",
        r"(煤炉|炉子|烧炭|烧煤|炭火|炭盆).{0,12}(叫不醒|喊不醒|晕|头疼|头晕|恶心|吐|站不起来|不醒|没反应)",
    ),
    "violence": (
        r"持刀",
        r"拿(着)?刀",
        r"提(着)?刀",
        r"动刀",
        r"砍人",
        r"砍伤",
        r"捅人",
        r"捅伤",
        r"捅刀",
        r"持械",
        r"开枪",
        r"持枪",
        r"拿(着)?枪",
        r"拿(着)?(棍子|铁棍|砍刀|棒子|砖头).{0,4}(打|追|砸)",
        r"汽油.{0,10}(点|烧)",
        r"要把.{0,8}(点了|烧了|炸了)",
        r"有人(在)?打人",
        r"打人了",
        r"(又|在|正在|往死里)打(我|人|孩子|老婆|她|他)",
        r"家暴",
        r"抢劫",
        r"要杀(了)?(我|人|他|她)",
        r"掐(着|住)?(我|她|他)?(的)?脖子",
        r"被(他|她|人|那人|男的).{0,4}(掐|砍|捅|勒|按在地上)",
        r"(围殴|群殴|围着打)",
        r"(在|正在|又|天天)打(一个|孩子|我妈|我爸|老婆|学生)",
        r"打(得|的).{0,6}(躺|倒|满脸|流血|头破|惨叫|爬不起来)",
        r"(打架|打起来|打成一片).{0,10}(血|倒|躺|不动|刀|棍|砖|瓶)",
        r"要打(我|她|他|人|我妈)",
        r"又.{0,6}动手",
        r"闯进(我)?家",
        r"拿(着)?(皮带|鞭子|棍子|铁棍|铁锹|锄头|菜刀|剪刀|酒瓶|凳子|椅子).{0,6}(追|(打|抽|砍|捅)(我|人|她|他|孩子|老人|我妈|我爸))",
        r"(揍|踹|扇|掐|勒)(我|她|他|孩子|我妈|我老婆)",
        r"(要|说要|扬言)(弄死|砍死|杀了)",
        r"扬言.{0,4}打死",
        r"(在|正在)(砍|捅)(人|我)",
        r"绑架",
        r"被(人)?跟踪",
        r"见人就(打|砍|捅)",
        r"(要|扬言)(放火|烧了)(我|他|她)?(家|房子|店)",
        r"(椅子|凳子|棍子|酒瓶|砖头).{0,4}(抡|砸)(起来|过去|人)",
        r"(我|她|他|孩子)被(人|几个人|一群人|他们).{0,4}(堵|围)(在|住)",
        r"抢(了|走)(我|她|他|老人|孩子)?的?.{0,2}(包|手机|钱包|项链|金链子|耳环|钱).{0,10}(跑|追|还在)",
        r"(被|把).{0,6}绑(走|起来)",
        r"(强奸|性侵|猥亵|非礼)",
        r"(正在|在)撬(门|锁|窗)",
        r"(推倒|按倒|摁倒|撂倒|打倒)(在地)?.{0,6}(踹|踢|打|揍|跺)",
        r"被(他|她|人|那人|男的|儿子|老公|丈夫|男人|几个人).{0,4}(踹|踢|揍|暴打|毒打)",
    ),
    "medical": (
        r"晕倒",
        r"昏倒",
        r"倒地(?!沟油)",
        r"昏迷",
        r"不省人事",
        r"(叫|喊)不醒",
        r"(意识模糊|意识不清|神志不清)",
        r"(突然|一下子)(说不出话|说不清话|口齿不清)",
        r"血(一直|止不住|哗哗)(地)?(往外)?(冒|流|淌)",
        r"(发烧|高烧|烧到).{0,10}(抽|翻白眼|眼睛往上翻|叫不醒)",
        r"当(成)?糖(吃|吞)",
        r"撞(到|在|上)?(了)?.{0,4}(电线杆|树|墙|护栏|隔离带|柱子)(上)?(了)?.{0,12}(人|血|不动|躺|起不来|昏)",
        r"烫(伤|了)(了)?.{0,4}(一大片|一片|全身|好大|很严重|起泡)",
        rf"{PERSON}.{{0,6}}(倒|躺|趴)在(厕所|卫生间|浴室|厨房|家里|屋里|床边|楼梯|电梯|楼道|院子|门口|店里|办公室)",
        r"叫不应",
        r"没(有|了)?(了)?呼吸",
        r"(摸不到|摸不着|没有|没)(了)?(脉|脉搏)",
        r"(没|没有|失去)(了)?(意识|知觉)(?!到)",
        r"(叫|喊|拍)(他|她|了他|了她|了几声|了半天)?(也|都)?(没|没有)(反应|知觉|意识)",
        r"(晕|暈)低",
        r"嘴(巴)?(突然)?歪(了)",
        r"(摔|跌|滑)(倒|了|了一跤|下来|下去).{0,10}(起不来|不动|没反应|不说话|叫不醒|动不了|不会动)",
        r"(躺|趴|倒)在(地上|地下|路上|马路上|路中间).{0,8}(不动|起不来|没反应|叫不醒|不说话)",
        r"(?<!差点)(?<!险些)(?<!差一点)(被|让)(车|货车|汽车|小车|轿车|渣土车|大车|卡车|三轮|电动车|摩托|公交|出租车|面包车).{0,4}(撞|刮|碾|压|带)(倒|了|到|伤|飞)",
        r"(?<!差点)(?<!险些)(?<!差一点)(?<!老)(?<!经常)(?<!总)(?<!容易)(撞|刮|碾|压)(倒|到|伤)(了)?(一个|个)?(人|老人|孩子|小孩|学生|行人|骑车的)",
        r"(撞车|追尾|翻车|车翻了|车撞了|撞上了).{0,15}(人|伤|血|不动|躺|起不来)",
        r"没有(了)?心跳",
        r"抽搐",
        r"口吐白沫",
        r"一动不动",
        r"(?<![梯车门表钟])不动了",
        r"不动弹(了)?",
        r"倒(在)?(那|那儿|那里)(了)?.{0,6}(不动|没反应|不吭声|起不来)",
        r"摔倒.{0,4}(起不来|不动)",
        rf"{PERSON}.{{0,6}}(倒|躺)在(地上|路边|路上|血)",
        r"撞飞",
        r"车祸.{0,10}(人|伤|血)",
        r"中毒",
        r"烧伤",
        r"头破血流",
        r"头(摔|打|撞)破",
        r"摔下来",
        r"(从|在)(楼上|楼顶|屋顶|房顶|架子|脚手架|梯子|树上|窗户|窗台|阳台|高处|塔吊)(上)?.{0,4}"
        r"(掉|摔|跌|滚|栽)(下去|下来)(了)?",
        r"流(了)?(好多|很多|一地|不少)血",
        r"血流不止",
        r"血止不住",
        r"流血不止",
        r"在流血",
        r"满(脸|身|头)(是)?血",
        r"刀伤",
        r"喘不(上|过)气",
        r"心脏病.{0,2}(犯|发作)",
        r"(中风|脑溢血|大出血)",
        r"头上(全)?是血",
        r"(撞|砸)(了|倒|伤)(人|了人)",
        r"(人|身子)(吊|挂)在(半空|外面)",
        r"抽风",
        r"烧(得|的)(都)?(抽|抽筋|抽风|翻白眼)",
        r"(头|脑袋|脑壳|额头).{0,4}(磕|摔|撞|砸)(了|出|破)(了)?(个|一个)?(大)?(洞|口子|窟窿)",
        r"血(呼啦|糊糊|淋淋|乎乎|糊拉)",
        r"(被|让)(开水|热水|热油|滚油|热汤|蒸汽)(给)?烫(伤|了|到)",
        r"(发烧|高烧|发高烧).{0,6}抽",
        r"误(吃|服|喝|食|吞)",
        r"(孩子|小孩|娃|宝宝|儿子|女儿).{0,6}(吃|喝|吞)(了|下)(.{0,6})(药|洗衣液|洗洁精|消毒|电池|硬币|磁铁)",
        r"(昏|晕)(过去|死过去)",
        r"(?<!是不是)(?<![燃煤表罐])没(了)?气(了)",
        r"瘫(倒)?在(地上|地下)",
        r"心跳(停|没)",
        r"(摔|跌)得.{0,2}(起不来|不能动|动不了)",
        r"惊厥",
        r"(嘴|嘴唇|脸)(都)?(发)?紫",
        r"脸色(发)?(灰|青)",
        r"(推|摇|拍|叫|喊)(都|也)(推|摇|拍|叫|喊)不醒",
        r"(噎|卡)(着|住)(了)?.{0,8}(翻白眼|喘不|脸(都)?(憋)?(红|紫|青)|说不出|咳不出)",
        r"(一直|直)翻白眼",
        r"血.{0,4}(浸透|湿透|染红)",
        r"(癫痫|羊癫疯|羊角风).{0,4}(犯|发作)",
        r"抽(了)?(快|好|有)?.{0,4}(分钟|半天|好久).{0,4}(没停|不停|还在抽)",
        r"半边身子.{0,4}(动不了|不能动|没知觉)",
        r"(吐|咯|呕)(了)?(好多|很多|一口|一地|一大口)?血",
        r"(怎么|咋)(叫|喊)都没(反应|动静)",
        r"(卡住|噎住)了?.{0,6}(喘|脸|说不出)",
        r"血.{0,6}(按|捂|压|止)(都|也)?(按|捂|压|止)?不住",
        r"(喝|吃|吞)错(了)?.{0,6}(药|农药|除草剂|杀虫剂|消毒|洗衣|老鼠药)",
        r"(农药|除草剂|杀虫剂|老鼠药|消毒液|洗衣液|敌敌畏|百草枯).{0,8}当(成)?(饮料|水|酒|糖|药)",
    ),
    "electric": (
        r"触电",
        r"电(到|倒)(了)?(人|他|她)",
        r"电(到|倒|着)(了)?自己",
        r"被电(到|倒|了)",
        r"(碰|摸|抓|踩|扶|靠)(到|着)?(了)?.{0,8}(电线|高压线|电箱|电闸|插座|电表箱|漏电|路灯杆|变压器)"
        r".{0,12}(不动|倒|晕|抽|没反应|发麻|不醒|弹开|松不开)",
        r"被电(打|击|住|着)",
        r"(电线(?!杆)|高压线|电缆|电箱|电表箱|配电箱|插头|插座|变压器).{0,12}(倒在|倒地|倒了|不动了|没反应|抽|晕|弹开|不说话)",
        r"(门把手|栏杆|铁门|水管|护栏|路灯杆|铁皮|铁架).{0,4}(都)?(带电|漏电|有电)",
        r"(碰|挂|搭)(到|上)(了)?高压线",
        r"(麻了一下|电了一下)",
        r"(带电|漏电).{0,12}(摔倒|倒下|倒了|不动|没反应|抽|晕|没声)",
        r"(电线|电缆|高压线|电箱|配电箱|电表箱|变压器|电源线)(杆子)?.{0,8}(掉|落|泡|垂|浸|断)(在|进|到)?(了)?"
        r".{0,4}(水|河|积水)(里|中)?.{0,12}(人|孩子|小孩|他|她)",
        r"(积水|水里|水中|水坑|水沟)(里)?.{0,4}(有电|带电|漏电)",
        r"(洪水|积水|水坑|水沟|河|水)(里|中).{0,6}(泡着|浸着|掉了|有|掉进)(一根|根)?(电线|电缆|高压线)",
        r"(电线|高压线|电缆)(断了|掉下来|落下来|垂下来|断下来).{0,8}(砸|打|碰|缠|搭)(到|在|住)(了)?"
        r".{0,4}(人|他|她|身上|路人|行人)",
        r"(电机|水泵|抽水机|电缆|电线).{0,4}漏电.{0,12}(倒|不动|没反应|晕|抽|摔)",
    ),
    "drowning": (
        r"溺水",
        rf"{PERSON}.{{0,4}}落水",
        r"落水了",
        r"掉(进|到|在)?(了)?(河|水(?!泥)|塘|湖|井|窨井|粪坑|池塘)(里)?",
        r"有人.{0,4}淹",
        r"扑腾",
        r"(人|孩子|小孩|娃|他|她|头)(在|一直)?(往下沉|沉下去)",
        r"漂着.{0,4}人",
        r"掉(进|到|在)(了)?.{0,6}(水缸|水池|水桶|鱼塘|水塘|河沟|水沟|水坑|泳池|粪池|化粪池|冰窟窿)",
        r"水里.{0,4}抽筋",
        r"(水|河|塘|湖|冰|江|坝).{0,6}滑下去",
        r"滑下去.{0,6}(水|河|塘|湖|冰|江)",
        r"(江|河|湖|海|水库|塘|池子|泳池)里.{0,8}(抽筋|挣扎|喊救命|呛水|沉)",
        r"被(浪|海浪|大浪|潮水|河水|江水)(卷|冲)走",
    ),
    "trapped": (
        r"被困",
        r"困在",
        r"困住",
        r"关在电梯",
        r"关着(人|一个人|孩子)",
        r"卡在电梯",
        r"(反锁|锁|关)在(车里|车内|柜子里|箱子里)",
        r"(人|我|我们|孩子|小孩|娃|老人|他|她|员工|工人)被(反)?(锁|关)在(?!看守所|派出所|拘留所|监狱|牢|号子)",
        r"电梯.{0,8}(困人|关人|卡住|卡咗)",
        r"(困|关|卡)(在)?电梯(里|内|裡)",
        r"电梯.{0,12}门(打不开|开不了)",
        r"电梯(里|裡).{0,6}(出不去|出不来)",
        r"电梯.{0,10}(停|卡)(在|住)?.{0,6}(中间|半空|里面有人|里头有人)",
        r"电梯.{0,12}(不动了|停了|卡住了|卡在).{0,10}(里面|里头|裡面)(还)?有(人|个|一个|两|三|几)",
        r"卡住了.{0,10}(人|我们)",
        r"(扶梯|滚梯|电梯|传送带|卷帘门).{0,10}(把)?.{0,8}(卷|夹|绞)(进去|住|了)",
        r"出不来",
        r"爬不上来",
        r"(车|屋|房)(上|里)还有人",
        r"电梯.{0,12}(不动了|停了|卡住了|卡住|坏了|停住).{0,8}(我们|我|人|孩子|老人)(还)?(在|困在|关在)(里面|里头|里边)",
        r"(头|脑袋|手|脚|腿|胳膊)(被)?卡(在|进|住)(了)?.{0,10}(拔不出|出不来|拿不出|抽不出|取不出)",
    ),
    "collapse": (
        r"(房子|(?<![厨书病药机票])房(?![贷租价产本])|墙|楼|屋顶|房顶|天花板|棚|屋)(子)?.{0,4}(塌了|倒了|塌下来|垮了|倒塌)",
        r"埋(在|了|住)(了)?.{0,4}(人|工人|孩子|老人)",
        r"塌方",
        r"(土|泥|沙|石头|围挡|墙|砖).{0,10}(盖住|埋住|压住|埋了)(了)?.{0,4}(人|几个人|工人|孩子|老人)",
        r"(把|将).{0,8}(人|工人|孩子|老人|小孩)(给)?(盖住|埋住|埋了)",
        r"(外墙|墙皮|瓷砖|阳台|屋檐|吊顶|招牌|广告牌|雨棚|顶棚|脚手架|塔吊|预制板).{0,12}(砸中|砸到|砸伤|砸在)(了)?"
        r".{0,6}(人|路人|行人|他|她|孩子|老人|头|身上|送|骑|工人)",
        r"(废墟|瓦砾|砖堆|碎砖|土堆|碎石|预制板|楼板|房梁|大梁)(的)?(底下|下面|下头|里面|里头|下)"
        r".{0,10}(有人|人|声音|喊|哭|敲|呻吟|哼)",
        r"(被|让)(砖|石头|墙|房梁|大梁|楼板|预制板|土|泥|瓦|钢架|脚手架).{0,4}(埋|压|砸)(住|在|了|着)",
        r"(?<!机器)(?<!车)(?<!轮子)(?<!轮胎)压住",
        r"(困|压|埋)(在)?(了)?(废墟|瓦砾|砖堆|土堆|碎石堆)",
        r"压在下面",
        r"(裂|塌).{0,10}(人在里面|里面有人|还有人)",
        r"(随时|马上)要(倒|塌)",
        r"塌了(个|一个)?(大)?坑",
        r"(楼|房)(子)?在晃",
        r"(土|山|坡|泥|石头).{0,6}(滑下来|滑下去|塌下来|冲下来).{0,12}(人|工人|房|屋)",
        r"(楼|房子|墙|房)(整个|整栋)?(在|开始)?(往|向).{0,3}(斜|歪|倒|沉)",
        r"(楼|房子|房|屋|墙|地面|楼板|天花板|屋顶)(整个|整栋)?.{0,4}(往下沉|在下沉|陷下去)",
        r"(裂开|裂了|歪了|斜了|掉渣|掉灰|变形|往下沉).{0,20}((老人|孩子|婆婆|奶奶|爷爷|娘|爹|一家|人还|还有人)"
        r".{0,4}(在|住在)?(里|屋|家|炕|床|楼)|(楼里|屋里|里面|房里|里头)(还)?(住着|有)"
        r"(人|十几|好几|几|一家|老人|孩子))",
    ),
    "flood": (
        r"水(已经)?(淹|漫|灌)(到|进|了).{0,6}(腰|胸|脖子|屋|家|一楼|二楼|车)",
        r"被(洪)?水(围|困)",
        r"洪水",
        r"(村|村子|屋|家|院子|车库|地下室|一楼|小区)(里)?(进|灌|漫)(了)?(大)?水",
        r"山洪",
        r"泥石流",
        r"发大水",
        r"淹(没|着)了",
        r"(决口|决堤|泄洪)",
        r"(一楼|屋里|家里|院子|车).{0,4}(全)?(泡了|淹了)",
        r"(冲走|卷走)(了)?(一个)?人",
        r"(涨水|漲水|水(还)?在(往上)?涨|水(已经)?(到|没过|漫过)(了)?(膝盖|腰|胸|脖子|车顶|屋顶|房顶))",
        r"外面全是水",
        r"(漫|灌|冲)进(了)?(村|村子|院子|屋|家|地下室|车库)",
        r"水(灌|漫|冲)(进去|进来)",
        r"(河水|江水|洪水|大水)(漫|涨)上来",
        r"(隧道|桥洞|地下室|车库|涵洞|地库).{0,4}(淹了|被淹|灌水|灌进水|进水了)",
        r"(河堤|江堤|堤坝|大坝|水坝|坝|堤)(子)?.{0,4}(破|决|垮|塌|溃|冲开)",
        r"(洪水|大水|河水|积水|水)(里|中)?.{0,10}(困|围)(住|在)",
        r"(困|围)(住|在).{0,10}(水里|水中|洪水|大水|水(还)?在涨|涨水)",
        r"水(往|朝)(村|屋|家|院|楼|小区).{0,4}(灌|冲|涌|漫|淹)",
        r"(村|村子|寨子|小区|街|房子|屋子|家)(子)?(都|全|给|被)?(水)?淹(了|掉了)",
    ),
    "missing_person": (
        r"(孩子|小孩|娃|儿子|女儿|闺女|孙子|孙女|老人|老爷子|老太太|爸|妈|老伴|爷爷|奶奶|姥姥|姥爷)"
        r".{0,4}(走丢|不见了|找不到了|找不着|找不见|寻不着|失踪|没回家|一直没回来|联系不上)",
        r"(孩子|小孩|娃|老人)(给|被)?(弄)?丢了",
        r"(?<!防)走失",
        r"被(陌生人|人)(带走|抱走|拐)",
        r"跟(一个)?(陌生|不认识).{0,6}走了",
        r"拐(走|卖)",
        r"(出去|出门|走了).{0,12}(没回来|没回家|还没回|不见了|没了影|找不到)",
        r"(没了影|没影了|人找不到了|找遍了)",
        r"(一转眼|一转身|一眨眼|一扭头|转个身|一回头).{0,6}(就)?(没了|不见|没影|人没了)",
        r"(孩子|小孩|娃|儿子|女儿|闺女|孙子|孙女|老人|老爷子|老太太|爸|妈|爹|娘|爷爷|奶奶|姥姥|姥爷|外婆|外公)"
        r".{0,12}(到现在|到这会|这会儿|一夜|一晚上|一宿|整夜)(了)?(都|也|还)?(没|没有)(回(?!复|应|电话|消息|信)|到家|回家|回来)",
        r"(痴呆|糊涂|失智|认知障碍|阿尔茨海默).{0,16}(自己)?(开门)?(?<!防)(跑|走)(出去|丢|失|了)",
        r"(陌生|不认识)的?.{0,6}(带|领|拉|抱|接|拽)(上车|走)",
        r"(放学|下课).{0,8}(到现在|这么久|几个小时|两个小时|一直)(了)?(都|也|还)?(没|不见)",
        r"(放学|下课|晚自习|下班).{0,8}(一直|还|都)(没|没有)(到家|回家|回来)",
        r"没(有)?(到校|到学校|去学校|进校门).{0,20}(家里|家)(也)?(没有|没人|不在|没回)",
        r"唔见咗",
        r"(孩子|孙子|孙女|儿子|女儿|娃|小孩)(突然)?不在(车上|床上|身边)了",
        r"(出门|出去|走了).{0,16}(认不得|不认得|记不住|找不到)(回家的)?路",
        r"(被|让).{0,8}接走了?.{0,12}(没有|不认识|没人)",
        r"(孩子|小孩|娃|老人|老头|老太|老伴|爸|妈|爷爷|奶奶|姥姥|姥爷|外婆|外公|儿子|女儿|闺女|孙子|孙女|老爷子|老太太)"
        r".{0,6}(不晓得|不知道|不知)(跑|去|走)(到)?(哪|哪儿|哪里)",
    ),
    "self_harm": (
        r"自杀",
        r"轻生",
        r"跳楼(?!价|甩卖|大甩卖)",
        r"跳河",
        r"寻死",
        r"寻短见",
        r"不想活(?!在|到)",
        r"活不下去",
        r"想死(?!你|了你)",
        r"死了算了",
        r"割(了)?(手)?腕",
        r"(吃|吞|喝)(了)?.{0,6}(安眠药|老鼠药|敌敌畏|百草枯)",
        r"遗书",
        r"(人生|活着)(真|好|太|真的|实在)?(没有|没)(意义|意思|盼头|劲)",
        r"活着(真|好|太|实在|就是|就)?(太)?(痛苦|受罪)",
        r"不如死了",
        r"死给(我|你|他|她)(们)?看",
        r"(看不到|看不见)我了",
        r"(以后|你们)好好的.{0,6}(别|不要)(惦记|挂念|找)我",
        r"(这些年|这么多年|一直以来)的?(照顾|关照|关心).{0,12}(再见|永别|打不通|关机|联系不上|以后)",
        r"没脸(再)?活",
        r"(以后|从此)(就)?(不用|不必|没人)(再)?(为|替|给)?我?(操心|担心|费心)",
        r"(我|自己)(是不是|要是|如果)?死了.{0,8}(对谁都好|都好|没人烦|没人管|就好了|省心|解脱)",
        r"(没有|没)(什么|啥)?.{0,4}(留恋|牵挂)",
        r"(猫|狗|宠物|后事|身后事).{0,8}(托付|安排好|交代好|送人)",
        r"(药|安眠药|绳子|炭|农药)(我)?(都|已经)(都)?(准备|备|买)好了(?!.{0,8}(明天|复查|医院|出发|带|去))",
        r"就这么(消失|睡过去)",
        r"睡过去(不醒|算了|再也)",
        r"想(永远)?消失",
        r"(消失了|不在了)(他们|大家|你们)?(就)?(都)?(好了|轻松|开心)",
        r"我.{0,4}(不想|不愿)(再)?(撑(?!伞|船|腰)|熬(?!夜|汤|药|粥))",
        r"(吃|吞)(了)?(一把|一瓶|一板|整瓶|好多|很多|一堆)(的)?(安定|安眠药|药片)",
        r"(谁|再).{0,6}(上来|过来|靠近).{0,4}(我|她|他)?就跳",
        r"(今晚|今天|现在)就?去死",
        r"(站|坐)在(天台|楼顶|窗台|桥|阳台)(的)?(边|外|栏杆)",
        r"给自己准备了?(绳子|农药|安眠药)",
        r"对不起(大家|所有人).{0,12}(打不通|联系不上|关机|不回)",
        r"这辈子就这样",
        r"(?<!误)喝(了)?农药",
        r"上吊(?![根个一着下])",
        r"(要|想|准备|打算|去|在)烧炭(?!取暖|烤|做饭|火锅)",
        r"要了结",
        r"了结自己",
        r"结束(自己的)?生命",
        r"一了百了",
        r"往下跳",
        r"(翻|爬|站|坐|人)(到|在)?(了)?栏杆外",
        r"挂了绳子",
        r"想不开.{0,6}(死|跳)",
        r"(想|准备|要)去死",
        r"结束(这一切|一切|这一生|这条命|我的生命|自己)",
        r"(离开|告别)这个世界",
        r"(再见了?|永别了?)(这个)?世界",
        r"(没有|没)(什么|啥)(值得|可)(我)?留恋",
        r"(唔|不)想(再)?活(?!在|到)",
        r"活落去",
        r"活不成(了)?",
        r"跳(江|海|湖|崖|井|桥|水库)",
        r"(吃|吞|喝)(了)?.{0,4}(毒药|除草剂|杀虫剂|草甘膦|氰化物|一整瓶药|一瓶药)",
        r"(吃|吞)(了)?(一整|整|一|半)(瓶|板|盒|把)(的)?(药|安眠药|药片)",
        r"(吃|吞)了(好多|很多|一大把|一堆|一把)(片)?药",
        r"割(了)?(动)?脉",
        r"割碗",
        r"划(了)?(手腕|手脉)",
        r"抹脖子",
        r"(吊|勒)死自己",
        r"自尽",
        r"寻死觅活",
        r"活(够|腻|腻歪)了",
        r"(我|俺|老子)(也)?不(想)?活了",
        r"死了(拉倒|干净|痛快)",
        r"(下去|去那边|去地下)陪(我)?(妈|爸|他|她|奶奶|爷爷|老伴|孩子)",
        r"我(就)?是(个|家里的|大家的)?(累赘|拖累)",
        r"带(着)?(孩子|娃|儿子|女儿).{0,4}(一起|一块)(走|死)",
        r"最后(一次|一条)(跟|给|和)?.{0,6}(说话|消息|留言)",
        r"要(从.{0,8})?跳下来",
        r"(跟|和|向)这个世界(说)?(再见|拜拜|告别)",
        r"(把|将)(家里|所有|剩下|攒)的?.{0,4}药(全|都|全部)(吃|吞)(了|下去)",
        r"我死了.{0,8}(没人|轻松|解脱|清净|好过|省心)",
        r"死了(大家|你们|他们|家里)?.{0,4}(都)?(轻松|解脱|清净)",
        r"(?<!小心)(?<!切菜)(划|割)(了|伤)?自己",
        r"伤害自己",
        r"自残",
        r"(自我|把自己|自己)了断",
        r"了断(自己|我自己|这条命)",
        r"卧轨",
        r"(我|好|真|只)想(要)?解脱",
        r"我.{0,4}(撑|熬|扛)不下去",
        r"(想|要)(从.{0,10})?跳下去",
        r"(河|江|湖|海|桥|楼顶|天台|窗|阳台).{0,12}想(跳(?!舞|绳)|下去)",
        r"(想|准备)喝药",
        r"喝药(自杀|寻死|死)",
        r"见不到我了",
        r"(下辈子|来世)再见",
        r"下辈子(再)?(做|当|报答)",
        r"栏杆外(面|边)?(站|坐|挂)着",
        r"(绳子|绳).{0,8}(房梁|树上|梁上|脖子|挂好|系好)",
        r"(把|打开).{0,4}(煤气|燃气).{0,10}(门窗|窗户).{0,4}(关|封)",
        r"(车里|屋里|房间).{0,4}烧(了)?炭(?!取暖|烤|做饭|火锅)|烧(了)?炭.{0,10}(门窗|窗户)",
        r"(吃|吞)(完|光|了).{0,6}(一整板|一整瓶|整瓶|整板|一板|一瓶)",
        r"(再也|永远)不(想)?醒",
        r"不想(再)?醒(过)?来了",
        r"不想醒了",
        r"(我|我也)?先走(一步)?了.{0,6}(对不起|照顾好)",
        r"对不起(大家|所有人|爸妈|爸爸妈妈|你们).{0,6}(先走|走了|再见)",
        r"以后(帮|替)(我|她|他)照顾",
        r"攒(好|了|够)(了)?.{0,4}药",
        r"遗言.{0,4}(写好|留好|写了|录好|录了|发给)",
        r"留(下)?(了)?遗言",
        r"(带|拿)(着)?(绳子|农药|安眠药).{0,10}(山|林|树|河|桥|楼顶|天台)",
        r"(我|自己)是多余的",
    ),
    "help": (
        r"救命",
        r"快救人",
        r"快找人",
        r"快来人",
        r"快叫救护车",
        r"叫救护车",
        r"打120",
        r"快来救",
        r"快报警",
        r"出人命",
    ),
}
EMERGENCY_KINDS = tuple(kind for kind in EMERGENCY_WORDS if kind != "help")
# Named together, a generic kind gives way to the danger behind it: trapped by a fire is a fire
# (119 comes to rescue), a shock that felled a man is electric (cut the power first).
YIELDS_TO = {
    "trapped": ("fire", "flood", "collapse", "drowning", "gas"),
    "medical": ("electric", "gas", "violence", "drowning", "collapse"),
    "drowning": ("electric",),
    "flood": ("electric",),
}
# Everyday hyperbole, no danger: 累死了, 笑死我了, 热得要命, 气疯了, 吵得我想死. Taken out of the
# text before the word lists read it, and the model alone does not make it urgent or a crisis.
_FEEL = (
    "累|热|冷|饿|困|烦|忙|笑|气|吵|挤|辣|咸|酸|甜|臭|丑|美|帅|爽|馋|渴|撑|晒|急|慌|"
    "难吃|难看|难听|麻烦|无聊|郁闷|尴尬|好吃|好看|好笑|好玩|开心|高兴|羡慕|可爱|贵|紧张|"
    "害羞|舒服|折腾|堵|卡|虐|懒|肉麻|恶心"
)
IDIOM_WORDS = (
    rf"({_FEEL})(得|的)?(我|人)?(要死|要命|死)(了|我了|人了|啦|我|人|掉了|个人)?",
    r"(吓|冻|疼)死(我|人)(了|啦)?",
    r"(气|逼|忙|笑|乐|累|急|馋)疯(了|我了)?",
    r"(吵|热|困|饿|笑|冷|忙|挤|晒|干|累|烦|学|写|折腾|憋|闷|填|做|背|改|等|考|搞|弄|练|搬)(得|的)(我)?(都)?想死",
    r"(气|亏|累|忙|笑)(得|到)(我)?吐血",
    r"(笑|乐|气|愁|急)(得|的)(我)?(肚子|头|脑袋|心口)?(疼|痛|不行|直不起腰)",
    r"要死要死",
    r"社死",
    r"想死(你|您|他|她|老家|家里|家乡)(们)?了?",
    r"(可|都|真|真是)想死我了",
    r"笑死",
    r"笑不活(了)?",
    r"想死的心都有(了)?",
    r"(累|饿|热|困|晒|忙|气)(得|的)(我|人)?(都)?(快|要)?(晕倒|晕过去|昏过去|虚脱)(了)?",
    r"(压力|烦|难受|郁闷|累)(大)?(到|得)(我)?(都)?想(跳楼|撞墙)",
    r"(我|他|她|妈|爸|老公|老婆|媳妇|婆婆|领导|老板|老师|心里|肝)(的)?火(气)?(很|好|特别|太)?大|上火",
    r"(整个人|心态|头|肺|脑袋|脑子|肚子)(都)?(要|快)?(被)?(气)?炸(了|裂|开)",
    r"(我|俺|咱|人|都|要|快)气炸(了|啦)?",  # 俺气炸了 (not 煤气炸了: 煤 is none of these)
    r"(气|急|吵|烦|愁)(得|的).{0,6}(爆炸|炸了|要炸)",
    r"(吃了)?火药(似的|一样|味)",
    r"(跟|像)(着火|火烧|火烤|蒸笼)(了)?(一样|似的)",
    r"(热|晒|烫|辣)(得|的).{0,4}(要|快)?(着火|冒火|冒烟)(了)?",
    r"(在)?网上(大)?火了|(视频|歌|剧|电影|节目|网红|主播|店).{0,6}(大)?火了(?!.{0,4}(烟|人|烧))",
    r"(房贷|贷款|工作|压力|债|日子|生活|学习|作业|家务|事情|活儿)(压|逼|累)(得|的)(我|人)?(都)?喘不(过|上)气(来)?",
    r"(挤|堵|闷|排队|人多)(得|的)(我|人)?(都)?(快|要)?喘不(过|上)气(来)?",
    r"压力(好|很|太|特别)?大(得|的)(我|人)?(都)?(快|要)?喘不(过|上)气(来)?",
)
# Someone asked to look out for it: "有没有人看见" names no missing person.
LOOKOUT = re.compile(r"(有没有人|有人|谁|大家)(看见|看到|见到|见过|捡到|发现)")
PET = re.compile(r"(猫|狗|宠物|鹦鹉|兔子|仓鼠|鸡|鸭|鹅|牛|羊|猪|鸟|鱼|鸽|金毛|泰迪|柯基|哈士奇)")
HUMAN = re.compile(r"(孩子|小孩|娃|儿|女|闺女|孙|老人|爸|妈|老伴|爷|奶|姥|人|他|她)")
# Words that put the danger in a hypothetical, a worry or a hazard, in the past, or say it is
# over. The first two lower the risk one step unless a word of the present says it is
# happening now; a danger said to be over is lowered whatever else is said.
IF_WORDS = (
    r"万一",
    r"要是",
    r"如果",
    r"假如",
    r"假设",
    r"若是",
    r"倘若",
    r"以防",
    r"预防",
    r"防止",
    r"(?<![好很太真])担心(?!死)",
    r"害怕(?![,，。.!！?？~～了]|$)",
    r"怕(是)?会",
    r"会不会",
    r"隐患",
    r"演练",
    r"演习",
    r"新闻",
    r"梦见",
    r"梦到",
    r"做梦",
    r"应该(怎么|咋)",
    r"怕(它|哪天|以后|掉|倒|塌|砸|出事|着火)",
    r"(电视剧|电影|小说|短视频|抖音|快手)(里|上)",
    r"(在|从)?电视(里|上)(看到|看见|见到|说|播|报)|(法制|新闻|电视)节目|网上(说|传|看到)",
    r"(剧|游戏|动画片|综艺|直播)(里|中)|电影(?!院)|电视上(那个|演的)",
    r"(刷|看)(抖音|快手|视频|手机|朋友圈|新闻).{0,2}(看到|刷到|看见|说)",
    r"(要|该|得|应该)注意(什么|啥|哪些|点啥)|注意事项|怎么(预防|防止|防)",
    r"(讲座|宣传|培训|知识|常识)",
    r"(应该|该)打(什么|哪个)电话",
    r"(应该|该)(找谁|打给谁|往(上|下|哪|外)(跑|走|逃|撤))",
    r"的话.{0,12}(怎么办|咋办|打给谁|找谁|打(什么|哪个)电话)",
    r"(是真是假|是不是真的|谣言)",
    r"视频(里|上|说)|看到(一个|个|一条|条)?(视频|新闻|报道)",
    r"说不定(哪天|什么时候|啥时候|以后)",
    r"(早晚|迟早)(会|要|得)",
    r"一点火星",
    r"(有|存在)(很大的|一定的)?.{0,2}(风险|危险)(?!了)",
    r"(学|教)(了|过|的)?.{0,8}打(119|110|120)",
)
PAST_WORDS = (
    r"上周",
    r"上次",
    r"上回",
    r"上星期",
    r"上礼拜",
    r"上个月",
    r"前年",
    r"去年",
    r"以前",
    r"之前",
    r"早年",
    r"当年",
    r"那年",
    r"曾经",
    r"小时候",
    r"(几|多|两|三|十)年前",
    r"前几年",
    r"前段时间",
    r"前阵子",
    r"那时候",
    r"未遂",
    r"过(一次|两次|几次|好几次|一回)",
    r"(一|两|三|几|半|好几)(个)?(年|个月)(多)?(了|没)",
)
OVER_WORDS = (
    r"已经(被)?(灭了|扑灭|救出来|救过来|救回来|送(到|去)?医院|找到了|没事|出来了|拉走|接走|接回|修好)",
    r"已经被.{0,6}(接|送|救|带|拉)(回|走|去|到)",
    r"(是|说是)(个)?(误会|误报|搞错了)",
    r"已经(处理|解决|弄|搞|修)(好|完)(了)?|已经搞定",
    r"(车里|屋里|里面)(没人|没有人)(?![应答回开])|人都(撤出来|搬走|跑出来)了",
    r"(就|已经|早就|都)(被)?(灭了|扑灭了|熄了)",
    r"没事了",
    r"(味|味道|气味|烟)(已经|都|早|就)?(没了|没有了|散了|散掉了|消了|淡了)",
    r"(通风|开窗)(后|以后|之后)?(就)?(没了|好了|散了)",
    r"(换了|修了|拔了|推上去|重启).{0,6}就好了",
    r"(打通了|回过来了|回电话了|联系上了)",
    r"没(有)?人?(受伤|伤着|伤到)",
    r"(?<![想再要别])醒过来了",
    r"(?<![没不想要再])(自己)?回(来|家)了",
    r"人(都)?没事",
    r"没伤着",
    r"没(有)?砸到人",
    r"幸好",
    r"(还好|好在|幸亏)(没|没有)",
    r"找回来了",
    r"现在(好了|好多了|挺好|没事了|灭了|来电了)",
    r"虚惊一场",
    r"(一会儿|一下|一阵)(就)?(好了|没事了|不哭了)",
    r"(现在|已经)(她|他)?(好点|好些|好多)了",
    r"(还)?以为.{0,12}(原来|结果|其实)(是|只是)",
    r"说(是)?(正常|没事|没问题|不要紧)(的)?",
    r"会(慢慢)?调整(好|过来)",
    r"(自己|已经)(打开|开了|开)?(门)?(走)?出来了",
    r"(已经|现在|慢慢)?(退烧|烧退|烧已经退|降下来)了|(烧|体温)(已经|现在)?降到",
    r"人.{0,6}(挺|很|都)(好|安全|暖和)(的)?(?![^，,。.]{0,4}(吗|不|没))",
    r"没(有)?人在(里面|里头|车里|屋里|家里|下面|底下)",
    r"(已经|刚才|刚刚|现在|平安|安全)(已经)?(到家|回到家)了",
    r"(没|没有)(打人|动手|打我|打她|打他|打孩子)",
    r"(味|味道|气味|烟)(已经|都|早)?散(了|掉)",
    r"(已经|都|来人|来)修好了",
    r"(抢救过来|脱离危险|脱险)了",
    r"(已经|都)?(被)?(救|拉|捞)(上来|上岸|起来)了(?!.{0,8}(没|不)(有)?(呼吸|气|醒|反应|动))",
    r"(扑|浇|喷|踩|拍|盖|弄)灭了(?!.{0,8}(又|还在|还有|另))",
    r"没(有)?(什么|啥)?(大碍|生命危险)",
    r"(抽|排)干了",
    r"确认过了|报(了)?平安",
    r"(?<!没)找到了",
    # 找着了; Cantonese 搵返佢 (found him), 返咗嚟 (came back)
    r"(?<![没未])(找着|找见)了|搵(返|到)(咗)?(佢|人|喇|啦)|返咗(嚟|屋企)",
    r"(现在|已经|人)(在|进了|住进|住在)医院",
    r"(他|她|孩子|人)(已经|刚才|刚刚)?回(了)?(我)?(消息|电话|微信|信息)",
    r"已经(去|在)接(了|他|她|孩子|人)?|(天黑前|晚点|一会儿|待会儿?)(就)?会(自己)?回来",
    r"想(问问|问一下|咨询|了解).{0,8}(医保|报销|补助|救助|补贴|低保|手续|证明|申请)",
)
# Faults, not dangers: when only the model finds danger, these lower it one step.
FAULT_WORDS = (
    r"(打|点)不(着|燃)",
    r"没(有)?气了",
    r"欠费",
    r"跳闸",
    r"(老是|经常|总是)(出)?故障",
    r"漏水",
)
NOW_WORDS = (
    r"现在",
    r"正在",
    r"还在",
    r"马上",
    r"赶紧",
    r"快来",
    r"救命",
    r"刚才",
    r"刚刚",
    r"此刻",
    r"(然后|现在|一直|还是|之后)(就)?(关机|打不通|联系不上|不接电话|不回消息)",
    r"还没(找到|回来|出来|灭)",
)
MUST_ATTEND_WORDS = {
    "emotion": (
        r"情绪(激动|失控|异常|不稳)",
        r"哭闹",
        r"崩溃",
        r"想不开",
        r"发病",
        r"犯病",
        r"精神(异常|不正常)",
    ),
    "sudden_change": (
        r"突发",
        r"意外",
        r"去世",
        r"病危",
        r"住院",
        r"出事了",
        r"塌了",
        r"倒塌",
        r"被烧",
        r"遭灾",
        r"断了生活来源",
    ),
    "dispute": (
        r"纠纷",
        r"吵架",
        r"打架",
        r"争执",
        r"闹矛盾",
        r"冲突",
        r"骂起来",
        r"打起来",
        r"动手",
    ),
    "illegal": (
        r"违法",
        r"偷",
        r"盗",
        r"诈骗",
        r"赌博",
        r"吸毒",
        r"贩毒",
        r"传销",
        r"非法",
        r"卖淫",
        r"高利贷",
    ),
    "hazard": (
        r"隐患",
        r"危险",
        r"漏电",
        r"裂缝",
        r"倾斜",
        r"飞线",
        r"塌陷",
        r"摇摇欲坠",
        r"快塌",
    ),
}
MUST_ATTEND_CATEGORIES = frozenset({"dispute_mediation"})
# Whole messages that are only a greeting or thanks (typos and net slang included).
CHAT_WORDS = {
    "greet": (
        r"你好",
        r"您好",
        r"你们好",
        r"在吗",
        r"在么",
        r"在不在",
        r"在马",
        r"在嘛",
        r"有人吗",
        r"有人在吗",
        r"hello",
        r"hi",
        r"哈喽",
        r"嗨",
        r"早",
        r"早上好",
        r"上午好",
        r"中午好",
        r"下午好",
        r"晚上好",
    ),
    "thanks": (
        r"谢谢",
        r"谢谢你",
        r"谢谢你们",
        r"谢了",
        r"多谢",
        r"感谢",
        r"感谢感谢",
        r"辛苦了",
        r"辛苦",
        r"3q",
        r"thx",
        r"thanks",
        r"thank you",
        r"好的谢谢",
        r"好的，谢谢",
        r"麻烦了",
        r"麻烦你们了",
    ),
}


def _compile(words: dict[str, tuple[str, ...]], template: str = "{}", flags: int = 0) -> dict:
    return {
        name: re.compile(template.format("(" + "|".join(alts) + ")"), flags)
        for name, alts in words.items()
    }


class Words:
    """Alternatives tried one by one, each only where its fixed part occurs ("先走" in
    "(我)?先走(一步)?了"): Python's re tries a long alternation at every character, a
    substring test is far cheaper, and a message is read for every reply."""

    def __init__(self, alternatives: tuple[str, ...]):
        self._tries = [(fixed_part(a), re.compile(a)) for a in alternatives]

    def search(self, text: str) -> bool:
        return any(
            (not fixed or fixed in text) and pattern.search(text) for fixed, pattern in self._tries
        )


def fixed_part(pattern: str) -> str:
    """The longest run of plain characters every match of the pattern holds ("" if none)."""
    runs, run, depth, closing, escaped = [""], "", 0, "", False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped, run = True, runs.append(run) or ""
        elif closing:  # inside [...] or {...}
            closing = "" if ch == closing else closing
        elif ch in "[{":
            closing = "]" if ch == "[" else "}"
            run = runs.append(run if ch == "[" else run[:-1]) or ""  # x{0,2}: x is optional
        elif ch == "(":
            depth, run = depth + 1, runs.append(run) or ""
        elif ch == ")":
            depth -= 1
        elif depth:
            continue
        elif ch == "|":  # alternatives at the top: nothing is fixed
            return ""
        elif ch in "?*":  # the character before is optional
            run = runs.append(run[:-1]) or ""
        elif ch in ".^$+":
            run = runs.append(run) or ""
        else:
            run += ch
    runs.append(run)
    return max(runs, key=len)


_EMERGENCY = {name: Words(alternatives) for name, alternatives in EMERGENCY_WORDS.items()}
_MUST_ATTEND = {name: Words(alternatives) for name, alternatives in MUST_ATTEND_WORDS.items()}
_IDIOM = re.compile("|".join(IDIOM_WORDS))
_IDIOM_HINT = re.compile("[死命疯血疼痛行腰喘火炸晕活跳撞笼]")  # 笑不活了, 烦得想跳楼, 像蒸笼
_NOT_WORD = re.compile(r"[\W_]+")
_IF = Words(IF_WORDS)
_PAST = Words(PAST_WORDS)
_OVER = Words(OVER_WORDS)
_FAULT = Words(FAULT_WORDS)
# A past danger told for what is still not done about it: 前几年有孩子掉河里，到现在也没装护栏.
_UNFIXED = re.compile(
    r"(到现在|现在|至今)(也|都|还)?(没|没有)(人)?(来)?(装|修|管|处理|解决|赔|补偿|给|下来|围|护栏|围栏|盖|拆|鉴定|换|立|设|挂|建|砌|填)"
    r"|(到现在|至今)(也|都|还)?(没|没有)(个)?(说法|结果|下文|回音|人管)"
    r"|(现在|到现在|至今).{0,8}(还是|还|也|都)(开着|没锁|没装|没修|没人管)"
)
_NOW = re.compile("|".join(NOW_WORDS))
_ACCIDENT = re.compile(
    r"(孩子|小孩|娃|宝宝|小朋友|孙子|孙女).{0,8}((站|坐|爬|骑|趴|跑)(在|到|上|出)?.{0,6}"
    r"(阳台|窗台|窗户|窗外|栏杆|楼顶|窗框|空调外机|边上)|误(吃|服|食|喝)|当(成)?糖|偷吃|不小心)"
    r"|(喝|吃|吞|拿)错|误(吃|服|食|喝)|当(成)?(饮料|水|酒|糖|药)|不是(自己)?(想|故意|存心)|不小心"
    r"|(小孩|宝宝|小朋友|娃娃|小宝|(?<![\d十])[\d一二三四五六七八九两]岁).{0,8}(吃|喝|吞)(了|下)"
)
_OWN_CRISIS = re.compile(r"想死|不想活|自杀|轻生|跳下去|寻死|活不下去")
# A crisis in the news, a film or a joke, and a question about what to do if someone else is in
# one: the crisis line is given, the alarm is not raised.
_STORY = re.compile(
    r"(新闻|电视剧|电影|小说|短视频|抖音|快手|主角)(里|上|中)?|视频(里|上|中)|(?<!不是)开(个)?玩笑|(是)?(骗人|吓唬人)的"
    r"|(说|是)(的)?气话|口头禅|网上(有人|看到)"
    r"|(剧|游戏|动画片|综艺|直播)(里|中)|电视上|电影(?!院)"
    r"|(刷|看)(抖音|快手|视频|手机|朋友圈|新闻).{0,2}(看到|刷到|看见)"
    r"|(其实|只是|就是)(在)?(抱怨|发牢骚|随口|随便说)"
)
# What someone always says (老说不想活了) is talk, unless today they set about it.
_HABIT = re.compile(
    r"(就爱|老爱|总爱|老是|总是|经常|动不动就|天天|整天|成天|老)(说|念叨|嘀咕|嚷嚷|喊)"
    r"|(喝醉|喝多|生气|吵架|一吵|一喝)了?就(说|喊|嚷|闹)"
)
_TODAY = re.compile(r"今天|今晚|今早|这会儿?|刚才|刚刚|现在|正在|一早|半夜")
# A wish to die told now, whatever past it grew from (老伴走了两年了…真想跟着她去).
_WISH_NOW = re.compile(
    r"想(跟着?|随)(他|她|它|他们|她们)?(一起)?(去|走)(?!玩|旅游|打工)|想死(?!过)|不想活(?!过)"
    r"|活不下去|不如死了|一了百了|不想(再)?(拖累|连累)|想(要)?(消失|解脱)|想(要)?结束(自己|一切|生命)"
)
# The animals or the others came back, the person did not: nothing is over.
_OTHERS_BACK = re.compile(
    PET.pattern + r"(群|们)?(自己|都|也)*(回来|回家|找到|找回来)了"
    r"|(一起|同去|同行|别的|其他|其余)(去|走)?的?(人|伙伴|同伴|同学)?(都|也)?(回来|回家)了"
)
_ASKED_FOR_OTHERS = re.compile(
    r"(万一|如果|要是|假如|假设|若是).{0,2}(遇到|碰到|发现)?(有人|别人|身边的人|朋友|同学)"
)
_CHAT = _compile(CHAT_WORDS, r"^{}[啊呀呢哈吗嘛～~!！。.,，\s]*$", re.IGNORECASE)


# A question about the resident's own earlier case: "我上次报的…修了没", "我交的材料通过了没".
_OWN_CASE = re.compile(
    r"我(们)?(上次|之前|前几天|前天|昨天|上周|交的|报的|反映的|提交的|申请的|问的)"
)
_PROGRESS = re.compile(
    r"(了没|了吗|没有[？?]?$|怎么样了|进展|进度|结果|到哪|什么时候|啥时候|有回复)"
)


def asks_progress(text: str) -> bool:
    return bool(_OWN_CASE.search(text) and _PROGRESS.search(text)) and len(text) <= 40


def chat_intent(text: str) -> str | None:
    """'greet' or 'thanks' when the whole message is just that, else None."""
    stripped = text.strip()
    return next((name for name, pattern in _CHAT.items() if pattern.match(stripped)), None)


def emergency_kinds(text: str) -> list[str]:
    """The kinds whose words the text holds ("help" when it only cries for help); an idiom
    (累死了) names none, nor does a pet that ran off. A small child at a window's edge or one
    who swallowed pills is in danger of a fall or a poisoning (120), not in a crisis."""
    text = without_idioms(text)
    kinds = [name for name, pattern in _EMERGENCY.items() if pattern.search(text)]
    for kind in ("missing_person", "trapped"):  # the dog ran off, the cat is stuck
        if kind in kinds and about_pet(text):
            kinds.remove(kind)
    if "drowning" in kinds and thing_in_water(text):
        kinds.remove("drowning")
    if "trapped" in kinds and stuck_in_traffic(text):
        kinds.remove("trapped")
    if "self_harm" in kinds and _ACCIDENT.search(text) and not _OWN_CRISIS.search(text):
        kinds = [k for k in kinds if k != "self_harm"] + (["medical"] * ("medical" not in kinds))
    return kinds


# A thing that fell into the water (手机掉河里了) is no one drowning; nor is a jam or a
# meeting someone is "stuck" in anyone trapped.
_THING_IN_WATER = re.compile(
    r"(手机|眼镜|钥匙|鞋子?|包|钱包|东西|帽子|球|玩具|手表|戒指|耳机|衣服|水桶|证件|充电宝)"
    r"(不小心|一不小心)?(又)?(掉|落|滚)(进|到|在)?(了)?.{0,6}(河|水|沟|厕所|井|塘|湖|池|马桶)"
)
_STUCK_IN = re.compile(
    r"(困|堵|卡)(在)?(路上|高速|服务区|机场|车站|单位|公司|会上|会议|开会|排队|停车场|车位"
    r"|表格|系统|这个(小)?(地方|城市|山村|村))"
    r"|堵车|塞车|航班(取消|延误)"
)


def thing_in_water(text: str) -> bool:
    """A thing fell into the water and no one is said to be in it."""
    return bool(_THING_IN_WATER.search(text)) and not _EMERGENCY["drowning"].search(
        _THING_IN_WATER.sub("，", text)
    )


def stuck_in_traffic(text: str) -> bool:
    """Stuck in a jam, at an airport or in a meeting, and in nothing that traps a person."""
    return bool(_STUCK_IN.search(text)) and not _EMERGENCY["trapped"].search(
        _STUCK_IN.sub("，", text)
    )


def without_idioms(text: str) -> str:
    if not _IDIOM_HINT.search(text):  # every idiom holds one of these: most texts skip the rest
        return text
    return _IDIOM.sub("，", text)


def mostly_idiom(text: str, rest: int = 12) -> bool:
    """An idiom (累死了) with little else said: at most rest letters besides it."""
    return bool(_IDIOM.search(text)) and letters(without_idioms(text)) <= rest


def letters(text: str) -> int:
    """How many letters (not punctuation, spaces or symbols) the text holds."""
    return len(_NOT_WORD.sub("", text))


def about_pet(text: str) -> bool:
    """A pet (or farm animal) is what went missing, no person named."""
    return bool(PET.search(text)) and not HUMAN.search(PET.sub("", LOOKOUT.sub("", text)))


# What an animal does to a person (咬, 抓伤, 蜇) is a person hurt, not an animal in trouble.
_TO_PERSON = re.compile(r"咬|抓伤|挠伤|扑倒|踩伤|顶伤|踢伤|蜇|蛰|啄伤")


# ... and someone who keeps or tends them is a person: 放羊的老汉, 钓鱼的, 遛狗的阿姨.
_KEEPER = re.compile(
    r"(钓|放|遛|养|喂|赶|牵|抓|捞|卖|杀)(鱼|羊|狗|牛|鸭|鸡|鹅|猪|鸟)|(叔|婶|伯|哥|姐|弟|妹|师傅|工人|村民|游客|同学|邻居|老乡)"
)


# People asked to help it, and its owner, are no one in danger: 找几个人帮忙拉上来, 主人在岸边.
_HELPERS = re.compile(r"(找|叫|来|派|喊)(几|两|三)?(个)?人|主人|(有没有|有)人(能|可以|会)?(帮|来)")


def animal_in_trouble(text: str) -> bool:
    """An animal, no person, is what is in the water, hurt or struck: no alarm."""
    if _TO_PERSON.search(text) or _KEEPER.search(text):
        return False
    rest = PET.sub("", LOOKOUT.sub("", _HELPERS.sub("", text)))
    return bool(PET.search(text)) and not HUMAN.search(rest) and not re.search(PERSON, rest)


def not_now(text: str) -> bool:
    """Hypothetical, a worry, past (unless a word says it is happening now), or over."""
    if over(text):
        return True
    if past_unfixed(text):
        return True
    return bool(_IF.search(text) or _PAST.search(text)) and not _NOW.search(text)


def past_unfixed(text: str) -> bool:
    """A past danger told for what is still not done about it."""
    return bool(_PAST.search(text) and _UNFIXED.search(text))


def fault_only(text: str) -> bool:
    """A fault of a thing (打不着火, 跳闸, 漏水) is what the message tells."""
    return _FAULT.search(text)


def over(text: str) -> bool:
    """The danger is said to be over (找到了, 已经灭了), not only the animals' or the others'."""
    return _OVER.search(_OTHERS_BACK.sub("，", text))


def crisis_over(text: str) -> bool:
    """A crisis told as past or over, in a story or a joke, as what someone always says, or
    asked about for someone else ("如果有人想不开…"); "if I ..." is how threats are made: it
    stays a crisis, and so does a wish to die told now, whatever past it grew from."""
    if _STORY.search(text) or _ASKED_FOR_OTHERS.search(text) or past_unfixed(text):
        return True
    if _HABIT.search(text) and not _TODAY.search(text):
        return True
    past = _PAST.search(text) and not _NOW.search(text) and not _WISH_NOW.search(text)
    return bool(over(text) or past)


def has_idiom(text: str) -> bool:
    """An everyday hyperbole (笑死, 气死我了) is somewhere in the text."""
    return bool(_IDIOM_HINT.search(text) and _IDIOM.search(text))


def rule_risk(text: str) -> tuple[str, str | None]:
    """Risk and kind from the word lists alone (the keyword and Rasa backends)."""
    kinds = emergency_kinds(text)
    if not kinds:
        return "none", None
    named = [k for k in kinds if k != "help"]
    kind = next((k for k in named if not set(YIELDS_TO.get(k, ())) & set(named)), None)
    if kind == "self_harm":
        return ("possible" if crisis_over(text) else "urgent"), kind
    return ("possible" if not_now(text) else "urgent"), kind or "medical"


def is_urgent(text: str) -> bool:
    return rule_risk(text)[0] == "urgent"


def is_must_attend(text: str, category: str | None) -> bool:
    return is_urgent(text) or needs_attending(text, category)


def needs_attending(text: str, category: str | None) -> bool:
    """六必到 by the duty or the words, urgency aside."""
    if category in MUST_ATTEND_CATEGORIES:
        return True
    return any(pattern.search(text) for pattern in _MUST_ATTEND.values())
