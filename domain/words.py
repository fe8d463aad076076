"""The built-in policies' own words in English and simplified Chinese: statuses, channels,
roles, rungs, categories, deadline kinds, slots, incidents, stages and flags, keyed
``<kind>.<code>``. The console shows them and the timeline writes them; a plug-in policy's
codes that are not here show as written."""

from __future__ import annotations

from collections.abc import Mapping

# key -> (English, 简体中文)
POLICY_WORDS: Mapping[str, tuple[str, str]] = {
    # case status
    "status.open": ("Open", "处理中"),
    "status.resolved": ("Resolved", "已处理"),
    "status.closed": ("Closed", "已结案"),
    # channels
    "channel.phone": ("Phone", "电话"),
    "channel.visit": ("Visit", "来访"),
    "channel.letter": ("Letter", "信函"),
    "channel.email": ("Email", "电子邮件"),
    "channel.web": ("Web", "网站"),
    "channel.hotline": ("Hotline", "热线"),
    "channel.wechat": ("WeChat", "微信"),
    "channel.in_person": ("In person", "当面"),
    # the built-in policies' roles
    "role.admin": ("Administrator", "管理员"),
    "role.auditor": ("Auditor", "审计员"),
    "role.clinician": ("Clinician", "医生"),
    "role.nurse": ("Nurse", "护士"),
    "role.department_head": ("Department head", "科主任"),
    "role.head_nurse": ("Head nurse", "护士长"),
    "role.medical_affairs": ("Medical affairs", "医务处"),
    "role.vice_president": ("Vice-president", "分管副院长"),
    "role.spokesperson": ("Spokesperson", "指定专人"),
    "role.lawyer": ("Lawyer", "律师"),
    "role.security": ("Security", "保卫科"),
    "role.lobby_manager": ("Lobby manager", "大堂经理"),
    "role.branch_head": ("Branch head", "网点负责人"),
    "role.security_guard": ("Security guard", "安保人员"),
    "role.general_department": ("General department", "综合部"),
    "role.service_quality_leader": ("Service quality lead", "服务质量负责人"),
    "role.president": ("President", "行长"),
    "role.complaint_contact": ("Complaint contact", "投诉联络人"),
    "role.handler": ("Handler", "经办人"),
    "role.administration": ("Administration", "行政部"),
    "role.department_staff": ("Department staff", "部门员工"),
    "role.campus_supervisor": ("Campus supervisor", "校区主管"),
    "role.general_manager": ("General manager", "总经理"),
    "role.regional_manager": ("Regional manager", "区域经理"),
    "role.market_department": ("Market department", "市场部"),
    "role.campus_reception": ("Campus reception", "校区前台"),
    "role.coordinator": ("Coordinator", "协调人"),
    # rungs of the built-in ladders
    "rung.department": ("Department", "科室"),
    "rung.medical_affairs": ("Medical affairs", "医务处"),
    "rung.vice_president": ("Vice-president", "分管副院长"),
    "rung.medical_appraisal": ("Medical appraisal", "医疗鉴定"),
    "rung.court": ("Court", "法院"),
    "rung.health_authority": ("Health authority", "卫生行政部门"),
    "rung.intake": ("Intake", "受理"),
    "rung.on_the_spot": ("On the spot", "现场处置"),
    "rung.business_disrupted": ("Business disrupted", "影响营业"),
    "rung.serious_agitation": ("Serious agitation", "严重过激"),
    "rung.campus_reception": ("Campus reception", "校区前台"),
    "rung.campus_supervisor": ("Campus supervisor", "校区主管"),
    "rung.regional_manager": ("Regional manager", "区域经理"),
    "rung.administration": ("Administration", "行政部"),
    "rung.general_manager": ("General manager", "总经理"),
    # categories of the built-in policies
    "category.medical_dispute": ("Medical dispute", "医疗纠纷"),
    "category.service_complaint": ("Service complaint", "服务投诉"),
    "category.ordinary": ("Ordinary", "一般投诉"),
    "category.mild_agitation": ("Mild agitation", "轻度过激"),
    "category.business_disruption": ("Business disruption", "影响营业"),
    "category.group": ("Group complaint", "群体投诉"),
    "category.serious_agitation": ("Serious agitation", "严重过激"),
    "category.suggestion": ("Suggestion", "建议"),
    "category.problem": ("Problem", "问题"),
    "category.malicious": ("Malicious", "恶意投诉"),
    # deadline kinds, slots, incidents, stages and flags of the built-in policies
    "deadline.appraisal_records": ("Records for the appraisal", "鉴定材料"),
    "deadline.evidence_preservation": ("Evidence kept", "证据保全"),
    "deadline.department_report": ("Department report", "部门报告"),
    "deadline.admin_review": ("Administration review", "行政审核"),
    "deadline.final_plan": ("Final plan", "最终方案"),
    "deadline.execution": ("Carried out", "方案执行"),
    "deadline.final_resolution": ("Final resolution", "最终处理"),
    "deadline.result_report": ("Result report", "结果报告"),
    "deadline.receipt_form": ("Receipt form", "受理单"),
    "deadline.forward": ("Forwarding", "转交"),
    "deadline.proposal": ("Proposal", "处理方案"),
    "deadline.opinion": ("Opinion", "处理意见"),
    "deadline.receipt": ("Receipt", "受理"),
    "deadline.handling": ("Handling", "办理"),
    "deadline.leader_on_scene": ("A leader on the scene", "负责人到场"),
    "deadline.leaders_on_scene": ("Leaders on the scene", "领导到场"),
    "deadline.police_call": ("Police called", "报警"),
    "deadline.originating_bank_report": ("Report to the originating bank", "报告开户行"),
    "deadline.regulator_decision": ("Regulator's time limit", "监管时限"),
    "slot.handler": ("Handler", "经办人"),
    "slot.appraisal_attendee": ("Appraisal attendee", "鉴定会出席人"),
    "slot.court_representative": ("Court representative", "出庭代表"),
    "slot.lawyer": ("Lawyer", "律师"),
    "slot.mediator": ("Mediator", "调解人"),
    "slot.department": ("Department", "部门"),
    "slot.responsible": ("Responsible", "责任人"),
    "slot.superior": ("Superior", "上级"),
    "incident.disorder": ("Making trouble", "无理取闹"),
    "incident.record_seizure": ("Seizing medical records", "抢夺病历资料"),
    "incident.assault": ("Assault on staff", "殴打医务人员"),
    "incident.insult": ("Insulting staff", "辱骂医务人员"),
    "incident.disruption": ("Disrupting the work", "扰乱工作秩序"),
    "incident.other": ("Other", "其他"),
    "stage.follow-up": ("Follow-up", "回访"),
    "stage.closure": ("Closure", "结案"),
    "flag.police_alert": ("Police alerted", "已报警"),
    # the procedures' rules, as a refusal names them (../shared/seed: 投诉应急预案)
    "rule.H2": ("Listen and explain; record what they said", "耐心倾听、解释，并记录患方所述"),
    "rule.H3": ("Shift handover of hard cases", "交接班时交接难沟通或有投诉的患者"),
    "rule.H4": (
        "Report at once to the department head, head nurse and medical affairs",
        "立即报告科主任、护士长及医务科",
    ),
    "rule.H5": (
        "The department investigates first; ends when the patient accepts",
        "科室先行调查、科内解决；患方接受解释即处理结束",
    ),
    "rule.H6": (
        "Medical affairs handles with the department head; written materials, "
        "investigation and a proposal come first",
        "医务科会同科主任处理；患方不接受的，须先提交书面材料、调查核实、提出方案后再协商",
    ),
    "rule.H7": (
        "Unresolved: medical appraisal; the department assembles the records in a week",
        "仍未解决的，建议申请医疗鉴定；科室一周内备齐全部病历资料",
    ),
    "rule.H8": ("A designated person attends the appraisal", "医院指定专人参加鉴定会"),
    "rule.H9": ("A designated person and a lawyer appear in court", "医院指定专人及律师出庭应诉"),
    "rule.H10": (
        "The health authority's opinion is recorded with its target",
        "卫生主管部门对科室及个人的处理意见须记录在案",
    ),
    "rule.H11": (
        "Disorder goes to security and medical affairs, or 110",
        "扰乱秩序的，报告保卫科、医务科或拨打110，保护现场、保留证据",
    ),
    "rule.H12": (
        "Only the designated spokesperson answers in writing",
        "纠纷发生后，除医院指定专人外，任何人不得向患方出具书面材料或答复",
    ),
    "rule.H13": (
        "The procedure in order, coordinated by medical affairs",
        "按程序依次处理，由医务科统一协调",
    ),
    "rule.B1": (
        "The emergency group: president, vice-president, office in the general department",
        "应急领导小组：行长任组长、副行长任副组长，办公室设在综合部",
    ),
    "rule.B3": (
        "Level 1: handled where it arises by the branch head or lobby manager",
        "一级：由网点负责人或大堂经理就地处理，保安协助",
    ),
    "rule.B4": (
        "Level 2: keep order; report to the general department; the leader goes to the scene",
        "二级：维持秩序，报告综合部或行长室，分管领导立即赶到现场",
    ),
    "rule.B5": (
        "Level 3: call the police at once; bank leaders to the scene",
        "三级：立即报警并报告分管领导，行领导赶赴现场",
    ),
    "rule.B6": (
        "Accountability by the emergency group, each by name and share",
        "因处置不当引发事态的，由应急领导小组追究经办人、网点负责人及分管领导责任",
    ),
    "rule.B7": ("An A and a B handler for every complaint", "每件投诉设A、B角经办人"),
    "rule.B8": ("Public figures get a senior reception", "知名人士投诉须高规格接待"),
    "rule.B9": (
        "Identifying features: security and leadership only",
        "体貌特征仅限保卫及行领导查看",
    ),
    "rule.B10": (
        "Answers by the talking points; no written reply; media to the general department",
        "按口径答复，原则上不作书面答复；媒体一律交综合部",
    ),
    "rule.B11": (
        "Compensation by the bank's fault: an authoritative third party mediates",
        "银行有责需赔偿的，应由权威第三方调解",
    ),
    "rule.B12": ("Group complaints: prevent and contain", "群体性投诉：防范并控制事态"),
    "rule.B13": (
        "Within 3 days, report the whole event to the originating bank",
        "事件处置后3日内向发起行报告事件全过程及结果",
    ),
    "rule.B14": (
        "Case studies only of closed cases, anonymised",
        "仅可将已结案件匿名后用于案例分析",
    ),
    "rule.BR1": (
        "The regulator's clock: a decision within 15 days",
        "自收到投诉之日起15日内作出处理决定",
    ),
    "rule.BR2": ("Complex cases: extendable to 30 days", "情况复杂的可延长至30日"),
    "rule.BR3": (
        "Another 30 days with senior management's approval, 60 at most",
        "经高级管理人员批准可再延长30日，最长60日",
    ),
    "rule.S1": (
        "First-contact responsibility: the first to receive it owns it",
        "首问责任制：首位接待人负责到底，直至移交",
    ),
    "rule.S2": (
        "Suggestion: administration forwards within 24 hours",
        "建议型：行政部24小时内转交相关人员或部门",
    ),
    "rule.S3": (
        "Problem complaint: the plan within 5 working days, approved by the general manager",
        "问题型：5个工作日内协商出最终方案，报总经理审批",
    ),
    "rule.S4": (
        "Malicious complaint: an opinion within 24 hours, a resolution within 5 working days",
        "恶意型：24小时内报送意见，5个工作日内形成最终处理决议",
    ),
    "rule.S5": (
        "A failed negotiation may be reclassified as malicious, with its reason",
        "协商失败的问题型投诉可改为恶意型，须记录理由",
    ),
    "rule.S6": (
        "Media and government: leadership is told at once",
        "媒体或政府介入的，立即报告领导",
    ),
    "rule.S7": (
        "Media on a campus: credentials recorded, reported to the supervisor and regional manager",
        "媒体或检查进入校区：查验证件、登记，并报告校区主管及区域经理",
    ),
    "rule.S8": (
        "Headquarters penalties: the loss borne, performance set to zero",
        "总部处罚：损失由责任人承担，当月绩效为零",
    ),
    "rule.S10": (
        "The campus process: receive, pass on, investigate, handle, feed back, follow up",
        "校区流程：接待、转交、调查、处理、反馈、回访",
    ),
    "rule.S11": (
        "Campus penalties, deducted from performance pay",
        "校区处罚：从绩效工资中扣除",
    ),
    "rule.C2": ("Only the roles the procedure names", "仅限程序规定的岗位"),
    "rule.C3": (
        "Deadlines: met by the act they wait for; missed only by the watcher",
        "时限须由相应工作完成；超时仅由系统记录",
    ),
    "rule.C4": (
        "Ends when the complainant accepts; may be reopened",
        "投诉人接受即可结束，结案后可重新打开",
    ),
    "rule.C5": ("Violence bypasses the ladder", "暴力或扰乱秩序越级直报"),
    "rule.C6": (
        "Only designated roles speak in writing or to the media",
        "仅指定岗位可书面或对媒体发言",
    ),
}


def word(kind: str, code: object, language: int) -> str:
    """The code's word in English (0) or Chinese (1); the code itself where none is known."""
    words = POLICY_WORDS.get(f"{kind}.{code}")
    return str(code) if words is None else words[language]
