//! What the demo's callers say and what the officers and agencies write back: for each
//! category of the default `incident_category` table, narratives in the words of a 110
//! record (templates with slots, and clauses added at random, so no two read alike) and
//! the feedback that fits each result code.

use rand::Rng;
use rand::seq::IndexedRandom;

/// An incident category as the demo draws it.
pub(crate) struct Kind {
    /// The final `incident_category` code (the dispatcher's triage).
    pub code: &'static str,
    /// Relative frequency among ordinary calls (per mille, roughly).
    pub weight: u32,
    /// What the caller says; `{who}` the caller, `{m}` money, `{n}` a count, `{age}`.
    pub texts: &'static [&'static str],
    /// Result codes of the officer's feedback with what they write.
    pub results: &'static [(&'static str, &'static str)],
}

const MEDIATED: (&str, &str) = (
    "mediated",
    "民警到场后分别听取双方陈述，讲明法律规定，现场调解，双方达成和解并签字确认",
);
const MEDIATION_FAILED: (&str, &str) = (
    "mediation_failed",
    "现场调解不成，告知双方可通过人民调解或诉讼途径解决，已录入矛盾纠纷台账，社区民警跟进",
);
const WARNED: (&str, &str) = (
    "warned",
    "对动手一方批评教育，双方情绪平复后离开，已登记双方身份信息",
);

/// Every category the demo's calls fall into, by weight.
pub(crate) const KINDS: &[Kind] = &[
    Kind {
        code: "criminal",
        weight: 55,
        texts: &[
            "{who}报警称停放在楼下的电动车被盗，价值约{m}元",
            "{who}称刚才在路边被人抢走手机，嫌疑人往东边跑了",
            "{who}称家中被盗，门锁被撬，丢失现金约{m}元",
            "{who}称接到自称快递客服的电话，按对方要求转账{m}元后发现被骗",
            "{who}称店里收银台的钱被人偷了，监控拍到一名男子",
            "{who}称在网上刷单被骗{m}元，对方已将其拉黑",
        ],
        results: &[
            (
                "case_filed",
                "已受案，制作询问笔录，调取周边监控，移交案件侦办队侦查",
            ),
            (
                "case_filed",
                "现场勘查并提取痕迹，已立案，告知报警人保留转账记录",
            ),
        ],
    },
    Kind {
        code: "public_order",
        weight: 150,
        texts: &[
            "{who}称有人在店门口醉酒闹事，砸了几个酒瓶",
            "{who}反映楼下棋牌室有人聚众赌博，吵闹到深夜",
            "{who}称有几个年轻人在路上骑摩托车飙车，非常危险",
            "{who}称有陌生男子在小区里来回徘徊，形迹可疑",
            "{who}称有人酒后在路中间拦车，影响通行",
            "{who}称烧烤摊有人喝多了大声喧哗，还往路上扔酒瓶",
        ],
        results: &[
            ("warned", "对醉酒人员批评教育，待其清醒后通知家属接回"),
            ("handled_on_site", "到场驱散围观人员，现场秩序恢复正常"),
            ("parties_left", "到场时相关人员已离开，巡查周边未发现异常"),
        ],
    },
    Kind {
        code: "traffic",
        weight: 105,
        texts: &[
            "{who}称两辆小车发生刮擦，无人受伤，车辆停在路中间",
            "{who}称一辆货车违停堵住了小区出入口，联系不上车主",
            "{who}称路口红绿灯坏了，车辆堵成一团",
            "{who}称一辆电动车和小车碰了一下，双方都没事，请求处理",
        ],
        results: &[
            (
                "handled_on_site",
                "疏导交通，双方拍照固定证据后撤离现场，自行协商",
            ),
            (
                "handled_on_site",
                "联系车主挪车，道路恢复通行，对车主批评教育",
            ),
        ],
    },
    Kind {
        code: "fire_disaster",
        weight: 18,
        texts: &[
            "{who}称附近空地上的杂草起火，火势不大",
            "{who}称楼道里有很大的烟味，怀疑有东西烧着了",
            "{who}称大风把路边的大树刮倒，压住了电线",
        ],
        results: &[
            (
                "assistance_given",
                "联系消防到场扑灭明火，无人员伤亡，现场已清理",
            ),
            (
                "handled_on_site",
                "设置警戒区域，通知供电部门到场处理，疏散围观群众",
            ),
        ],
    },
    Kind {
        code: "assistance",
        weight: 115,
        texts: &[
            "{who}称家中{age}岁老人早上出门后一直未归，有轻度老年痴呆",
            "{who}称孩子在菜场附近走失，穿红色上衣，约{n}岁",
            "{who}称钥匙锁在屋里，孩子一个人在家里哭",
            "{who}称路边有一名男子醉倒在地，怎么叫都叫不醒",
            "{who}称捡到一个钱包，里面有身份证和现金，想交给警察",
            "{who}称手机落在出租车上了，请求帮助寻找",
        ],
        results: &[
            ("assistance_given", "民警到场协助，已帮助报警人解决困难"),
            (
                "assistance_given",
                "调取监控找到当事人，已安全送回家中并交给家属",
            ),
        ],
    },
    Kind {
        code: "report_complaint",
        weight: 40,
        texts: &[
            "{who}投诉某超市出售过期食品，商家拒绝退换",
            "{who}举报路边一家小饭馆无证经营，卫生条件很差",
            "{who}投诉菜市场有摊贩缺斤短两，与其理论被赶走",
            "{who}投诉一家健身房收了{m}元会员费后关门",
        ],
        results: &[],
    },
    Kind {
        code: "non_police",
        weight: 95,
        texts: &[
            "{who}反映小区停水一天了，物业说不清楚什么时候来水",
            "{who}称路灯坏了好几天，晚上出行不安全",
            "{who}反映附近流浪狗很多，担心咬伤小孩",
            "{who}称附近工地夜间施工，噪音很大睡不着",
            "{who}反映河道里有人偷倒建筑垃圾",
            "{who}反映路面塌了一个坑，电动车容易摔倒",
        ],
        results: &[],
    },
    Kind {
        code: "invalid",
        weight: 35,
        texts: &[
            "电话接通后无人说话，回拨无人接听",
            "{who}称拨错电话，无警情",
            "小孩玩手机误拨110，家长已确认",
            "{who}反复来电称想找人聊天，无具体警情",
        ],
        results: &[
            ("invalid", "回拨核实并到场查看，无警情"),
            ("false_report", "经核实为谎报，已对报警人批评教育"),
        ],
    },
    Kind {
        code: "other",
        weight: 27,
        texts: &[
            "{who}咨询户口迁移需要带哪些材料",
            "{who}咨询办理居住证的流程",
            "{who}称想查询自家老人户籍信息",
        ],
        results: &[("handled_on_site", "已告知报警人办理流程和所需材料")],
    },
    Kind {
        code: "marriage",
        weight: 24,
        texts: &[
            "{who}称与丈夫因琐事吵架，丈夫在家里摔东西",
            "{who}称妻子闹离婚，把孩子带回娘家不让见",
            "{who}称丈夫喝酒后动手打人，要求民警到场",
        ],
        results: &[MEDIATED, MEDIATION_FAILED, WARNED],
    },
    Kind {
        code: "family_member",
        weight: 18,
        texts: &[
            "{who}称与儿子因家务事发生争吵，儿子把门反锁不让进",
            "{who}称兄弟二人因分家在家中争吵，差点动手",
            "{who}称婆媳因带孩子的事吵得很凶",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "support_inheritance",
        weight: 14,
        texts: &[
            "{who}称几个子女都不履行赡养义务，{age}岁老人无人照顾",
            "{who}称兄妹因父母留下的房子分配发生纠纷，请求调解",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "neighbour_dispute",
        weight: 45,
        texts: &[
            "{who}称楼上邻居装修噪音扰民，双方发生争吵",
            "{who}称邻居在楼道堆放杂物，协商不成吵了起来",
            "{who}称邻居家空调外机对着自家窗户，双方争执不下",
            "{who}称隔壁邻居家的狗整夜叫，上门沟通时吵了起来",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "property_management",
        weight: 18,
        texts: &[
            "{who}称物业为催缴物业费把自家的电停了",
            "{who}称小区车位被外来车辆占用，与保安发生争吵",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "land_homestead",
        weight: 14,
        texts: &[
            "{who}称邻居建房占了自家宅基地，双方争执",
            "{who}称两户村民因田埂边界发生争吵，要求民警到场",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "wages",
        weight: 24,
        texts: &[
            "{who}称在工地干了{n}个月，老板拖欠工资{m}元不给",
            "{who}称{n}名工人到厂里讨要工资，与老板发生争执",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "debt",
        weight: 14,
        texts: &[
            "{who}称借给朋友{m}元，对方一直不还还把他拉黑了",
            "{who}称有人上门讨债，堵在门口不肯走",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "consumer_contract",
        weight: 18,
        texts: &[
            "{who}称在店里买的衣服要退货，店主不同意，双方争吵",
            "{who}称装修公司收了{m}元定金一直不开工",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "quarrel_fight",
        weight: 30,
        texts: &[
            "{who}称在饭店吃饭时与邻桌发生口角，对方动手推人",
            "{who}称两名男子因停车问题发生口角并互殴",
        ],
        results: &[MEDIATED, WARNED, MEDIATION_FAILED],
    },
    Kind {
        code: "traffic_accident",
        weight: 14,
        texts: &["{who}称与对方电动车相撞，对方要求赔偿{m}元，双方争执不下"],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
    Kind {
        code: "damage_compensation",
        weight: 14,
        texts: &[
            "{who}称楼上漏水把自家天花板泡坏，要求赔偿对方不肯",
            "{who}称被邻居家的狗咬伤，要求赔偿医药费被拒绝",
        ],
        results: &[MEDIATED, MEDIATION_FAILED],
    },
];

/// The kind of a category code.
pub(crate) fn kind(code: &str) -> &'static Kind {
    KINDS
        .iter()
        .find(|k| k.code == code)
        .unwrap_or(&KINDS[KINDS.len() - 1])
}

const EXTRA: &[&str] = &[
    "，现场无人受伤",
    "，请求民警到场处理",
    "，报警人情绪比较激动",
    "，报警人称以前也发生过",
    "，现场有群众围观",
    "，报警人在路口等候",
];

/// What the caller says about an incident of `kind`, in the words of the source
/// (`who` names the caller) and, at a hotspot, with the place named.
pub(crate) fn narrative(kind: &Kind, who: &str, spot: Option<&str>, rng: &mut impl Rng) -> String {
    let template = kind.texts.choose(rng).copied().unwrap_or("{who}报警");
    let mut text = template
        .replace("{who}", who)
        .replace("{m}", &(rng.random_range(2..120) * 100).to_string())
        .replace("{n}", &rng.random_range(2..9).to_string())
        .replace("{age}", &rng.random_range(68..92).to_string());
    if let Some(spot) = spot {
        text.push_str(&format!("，地点在{spot}"));
    }
    if kind.code != "invalid" && rng.random_bool(0.4) {
        text.push_str(EXTRA.choose(rng).copied().unwrap_or(""));
    }
    text.push('。');
    text
}

/// The agencies' notes on a transferred matter: what they found, did and reported.
pub(crate) const VERIFY_NOTES: &[&str] = &[
    "已联系当事人核实，情况属实",
    "工作人员到现场查看，反映问题存在",
    "经电话核实，与报警内容一致",
];
/// What the agency did.
pub(crate) const HANDLE_NOTES: &[&str] = &[
    "已通知责任单位限期整改",
    "组织双方到调解室调解，达成书面协议",
    "已安排人员现场处理完毕",
    "约谈经营者，责令退还费用并整改",
];
/// The agency's report to the station.
pub(crate) const FEEDBACK_NOTES: &[&str] = &[
    "问题已解决，已向当事人反馈处理结果",
    "已处理完毕，当事人表示认可",
    "调解成功，双方履行协议，已回访",
];
/// Why an agency declined a matter.
pub(crate) const DECLINE_REASONS: &[&str] = &[
    "不属于本单位职责范围，建议转综治办",
    "经核实属于其他部门管辖",
];
/// What the caller said on the return call.
pub(crate) const EVALUATION_NOTES: &[&str] = &["处理及时，谢谢", "问题解决了", "还算满意"];
